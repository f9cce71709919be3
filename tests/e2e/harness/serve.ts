/**
 * Builds the test-only harness pages (tests/e2e/harness/, outside the production bundle) and serves them with the
 * e2e models on loopback: `/` the agent harness, `/soak.html` the worker soak, `/models/<file>` the GGUF files.
 */
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { prepareModelsDir } from '../models-fixture'
import { HARNESS_OUT_DIR } from './vite.config'

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.gguf': 'application/octet-stream' }

export interface HarnessServer {
  /** Ends with `/`. */
  baseUrl: string
  close(): Promise<void>
}

export async function serveHarness(): Promise<HarnessServer> {
  execFileSync('npx', ['vite', 'build', '--config', 'tests/e2e/harness/vite.config.ts'], { stdio: 'inherit' })
  return serveFolder(HARNESS_OUT_DIR, await prepareModelsDir())
}

/** Serves a built page folder (`/` is its index.html) and `/models/<file>` from `modelsDir` on a loopback port. */
export async function serveFolder(outDir: string, modelsDir: string): Promise<HarnessServer> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = path.startsWith('/models/') ? join(modelsDir, path.slice('/models/'.length)) : join(outDir, path === '/' ? 'index.html' : path)
    if (!existsSync(file) || !statSync(file).isFile())
      return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}
