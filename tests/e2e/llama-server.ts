/**
 * A real llama.cpp server for the e2e suite: `python -m llama_cpp.server` from the venv that
 * scripts/ensure-llama-server.mjs builds (llama-cpp-python from PyPI), on 127.0.0.1 and a free port, serving a GGUF
 * from the e2e models folder. Its output is kept, so a test can read what the server did (a client that went away).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { expect } from '@playwright/test'

/** The venv's python, as scripts/ensure-llama-server.mjs makes it (LLAMA_SERVER_DIR moves both). */
export const LLAMA_SERVER_PYTHON = join(resolve(process.env.LLAMA_SERVER_DIR ?? '.cache/llama-server'), 'venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')

export interface LlamaServer {
  /** `http://127.0.0.1:<port>`, without `/v1`. */
  url: string
  /** Everything the server wrote so far (stdout and stderr). */
  log: () => string
  /** Ends the process the hard way (SIGKILL), as a crash would. */
  kill: () => Promise<void>
  /** Freezes the process (SIGSTOP): it writes nothing more until `resume`, so a test can look before it acts. */
  pause: () => void
  /** Lets a paused process go on (SIGCONT). */
  resume: () => void
  /** Ends it politely (SIGTERM, then SIGKILL after 10 s). */
  close: () => Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
}

function ended(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise(done => child.once('exit', () => done()))
}

/**
 * Starts the server on `model` (a GGUF path) and waits until `GET /v1/models` answers.
 * @throws Error when the venv is missing (with the command that builds it) or the server never answers
 */
export async function startLlamaServer(model: string, args: string[] = []): Promise<LlamaServer> {
  if (!existsSync(LLAMA_SERVER_PYTHON) || spawnSync(LLAMA_SERVER_PYTHON, ['-c', 'import llama_cpp.server.app']).status !== 0)
    throw new Error(`No working llama-cpp-python at ${LLAMA_SERVER_PYTHON}: run \`node scripts/ensure-llama-server.mjs\` (npm run test:e2e does).`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let output = ''
  const child = spawn(LLAMA_SERVER_PYTHON, ['-u', '-m', 'llama_cpp.server', '--model', model, '--host', '127.0.0.1', '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  })
  child.stdout!.on('data', (b: Buffer) => { output += b.toString() })
  child.stderr!.on('data', (b: Buffer) => { output += b.toString() })
  const server: LlamaServer = {
    url,
    log: () => output,
    kill: async () => {
      child.kill('SIGKILL')
      await ended(child)
    },
    pause: () => { child.kill('SIGSTOP') },
    resume: () => { child.kill('SIGCONT') },
    close: async () => {
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await ended(child)
      clearTimeout(timer)
    },
  }
  try {
    await expect.poll(async () => {
      if (child.exitCode !== null)
        throw new Error(`llama_cpp.server exited with code ${child.exitCode}:\n${output.slice(-3000)}`)
      return fetch(`${url}/v1/models`).then(r => r.status, () => 0)
    }, { timeout: 180_000, intervals: [500] }).toBe(200)
  }
  catch (err) {
    await server.close()
    throw err
  }
  return server
}
