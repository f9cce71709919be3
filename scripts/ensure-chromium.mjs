#!/usr/bin/env node
// Finds Debian's Chromium for the browser tests, installing the `chromium` package when we are root on Debian.
// It never downloads a browser build of its own (no `playwright install`).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)
const found = () => candidates.find(p => existsSync(p)) ?? which('chromium') ?? which('chromium-browser')

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

if (found()) {
  process.exit(0)
}
const isRoot = process.getuid?.() === 0
if (isRoot && which('apt-get')) {
  console.log('Chromium not found: installing Debian\'s chromium package with apt-get…')
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  if (found())
    process.exit(0)
}
console.error('Chromium is needed for the browser tests: run `sudo apt-get install chromium` (or set CHROMIUM_PATH), then run the tests again.')
process.exit(1)
