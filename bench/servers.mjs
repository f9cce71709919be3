/** Processes `npm run bench` starts: builds, `vite preview` with the model mirror, and Debian's Chromium. */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
]

export function chromiumPath() {
  const path = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => p && existsSync(p))
  if (!path)
    throw new Error('Chromium not found: run `node scripts/ensure-chromium.mjs` (or set CHROMIUM_PATH).')
  return path
}

/** Runs `npx vite build` (with `args`), quietly unless it fails. */
export function viteBuild(args = []) {
  const r = spawnSync('npx', ['vite', 'build', ...args], { encoding: 'utf8' })
  if (r.status !== 0)
    throw new Error(`vite build ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
}

/** Starts `vite preview` on `port` with the mirror over `modelsDir`; resolves once /app-config.json answers. */
/**
 * `cdnPort`: the mirror's Hub-like CDN origin (server/mirror-cdn.ts) on that port, uncapped until the harness sets a
 * cap through `/__mirror/cdn` (fault control on).
 */
export async function startPreview({ port, modelsDir, config, cdnPort }) {
  const args = ['vite', 'preview', '--port', String(port), '--strictPort', ...(config ? ['--config', config] : [])]
  const cdn = cdnPort ? { MIRROR_CDN_PORT: String(cdnPort), MIRROR_CDN_CAP_MIBPS: '0', MIRROR_FAULTS: '1' } : {}
  const child = spawn('npx', args, { env: { ...process.env, MODELS_DIR: modelsDir, PORT: String(port), ...cdn }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let log = ''
  child.stdout.on('data', (d) => { log += d })
  child.stderr.on('data', (d) => { log += d })
  const origin = `http://localhost:${port}`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null)
      throw new Error(`vite preview exited:\n${log}`)
    try {
      if ((await fetch(`${origin}/app-config.json`)).ok)
        return { origin, stop: () => stop(child) }
    }
    catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200))
  }
  stop(child)
  throw new Error(`vite preview did not answer on ${origin}:\n${log}`)
}

function stop(child) {
  if (child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM') // npx starts vite as a child: end the whole group this script started
    }
    catch {
      child.kill('SIGTERM')
    }
  }
}

export async function launchChromium() {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
}
