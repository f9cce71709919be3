#!/usr/bin/env node
// Makes a real llama.cpp server available to the e2e suite (tests/e2e/llama-server.spec.ts): a Python venv in
// .cache/llama-server/venv (git-ignored) with a pinned `llama-cpp-python[server]` from PyPI. pip builds llama.cpp
// from source (cmake + a C/C++ compiler), which took about 7 minutes on a busy 2-core machine, so a working venv is
// reused: it is kept when `import llama_cpp.server` works and reports the pinned version, and rebuilt otherwise.
//
// Environment:
//   LLAMA_SERVER_PYTHON  the Python to build the venv with (default: python3, then python)
//   LLAMA_SERVER_DIR     where the venv lives (default: <repo>/.cache/llama-server)
// Prints the venv's python path on the last line of a successful run (tests read the path from
// tests/e2e/llama-server.ts, which uses the same folder).
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The llama-cpp-python release the suite runs against (newest on PyPI on 2026-11-30). */
export const LLAMA_CPP_PYTHON_VERSION = '0.3.36'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dir = resolve(process.env.LLAMA_SERVER_DIR ?? join(root, '.cache', 'llama-server'))
const venv = join(dir, 'venv')
const venvPython = process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python')
const logFile = join(dir, 'install.log')

const say = (line) => console.log(`[llama-server] ${line}`)
const fail = (line) => {
  console.error(`[llama-server] ${line}`)
  process.exit(1)
}

/** The installed version, or undefined when the venv is missing or its import fails. */
function installedVersion() {
  if (!existsSync(venvPython))
    return undefined
  const r = spawnSync(venvPython, ['-c', 'import llama_cpp, llama_cpp.server.app; print(llama_cpp.__version__)'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

function findPython() {
  for (const cmd of [process.env.LLAMA_SERVER_PYTHON, 'python3', 'python'].filter(Boolean)) {
    const r = spawnSync(cmd, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' })
    if (r.status === 0) {
      const [major, minor] = r.stdout.trim().split('.').map(Number)
      if (major === 3 && minor >= 9)
        return cmd
      say(`${cmd} is Python ${r.stdout.trim()}; llama-cpp-python needs 3.9 or newer`)
    }
  }
  return undefined
}

/** Runs a command with its output in install.log, printing a line every 30 s so a long build is visibly alive. */
function run(cmd, args, what) {
  return new Promise((done, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' })
    log.write(`\n$ ${cmd} ${args.join(' ')}\n`)
    const started = Date.now()
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? String(cpus().length),
        // The multimodal library (mtmd/llava, ~50 of the ~250 compile steps, loaded only for image chat handlers) is
        // not needed to serve a text model: on a busy 2-core machine those steps alone took over half an hour.
        CMAKE_ARGS: `-DLLAVA_BUILD=OFF ${process.env.CMAKE_ARGS ?? ''}`.trim(),
        PIP_DISABLE_PIP_VERSION_CHECK: '1',
      },
    })
    child.stdout.pipe(log, { end: false })
    child.stderr.pipe(log, { end: false })
    const beat = setInterval(() => say(`  still ${what} (${Math.round((Date.now() - started) / 1000)} s)…`), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(beat)
      log.end()
      if (code === 0)
        done(Math.round((Date.now() - started) / 1000))
      else
        reject(new Error(`${what} failed (exit code ${code})`))
    })
  })
}

async function tail(file, lines) {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').slice(-lines).join('\n')
}

const have = installedVersion()
if (have === LLAMA_CPP_PYTHON_VERSION) {
  say(`llama-cpp-python ${have} ready in ${venv}`)
  console.log(venvPython)
  process.exit(0)
}
say(have ? `found llama-cpp-python ${have}, need ${LLAMA_CPP_PYTHON_VERSION}: rebuilding the venv` : existsSync(venv) ? `the venv in ${venv} does not import llama_cpp.server: rebuilding it` : `no llama.cpp server yet: installing llama-cpp-python ${LLAMA_CPP_PYTHON_VERSION} into ${venv}`)

const python = findPython()
if (!python)
  fail('Python 3.9+ with venv and pip is needed for the llama.cpp server e2e test: install it (Debian: `sudo apt-get install python3 python3-venv python3-pip`, plus `build-essential cmake` for the build) or set LLAMA_SERVER_PYTHON to one, then run the tests again.')

rmSync(venv, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
rmSync(logFile, { force: true })
const started = Date.now()
try {
  say(`creating the venv with ${python}…`)
  await run(python, ['-m', 'venv', venv], 'creating the venv')
  say(`pip install llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION} (builds llama.cpp from source; several minutes; log: ${logFile})…`)
  const s = await run(venvPython, ['-m', 'pip', 'install', '--progress-bar', 'off', `llama-cpp-python[server]==${LLAMA_CPP_PYTHON_VERSION}`], 'building llama-cpp-python')
  say(`  pip finished in ${s} s`)
}
catch (err) {
  console.error(await tail(logFile, 40))
  fail(`${err.message}. The build needs cmake and a C/C++ compiler (Debian: \`sudo apt-get install build-essential cmake\`); the full log is ${logFile}.`)
}
const now = installedVersion()
if (now !== LLAMA_CPP_PYTHON_VERSION)
  fail(`installed, but \`import llama_cpp.server\` in ${venvPython} does not work (got ${now ?? 'an import error'}); see ${logFile}.`)
say(`llama-cpp-python ${now} installed in ${Math.round((Date.now() - started) / 1000)} s`)
console.log(venvPython)
