/**
 * App shell size: gzip bytes of the JavaScript the built app loads before the first interaction, excluding .wasm.
 * Two views: what dist/index.html references (entry + modulepreload), and what the page (and its dedicated workers,
 * not the service worker's precache) actually requests until the network is idle and the app is ready.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const gz = path => gzipSync(readFileSync(path)).length

export function staticShellBytes(dist = 'dist') {
  const html = readFileSync(join(dist, 'index.html'), 'utf8')
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map(m => m[1])
  return { files: refs, gzipBytes: refs.reduce((sum, f) => sum + gz(join(dist, f)), 0) }
}

export async function requestedShellBytes(browser, origin, dist = 'dist') {
  const context = await browser.newContext({ serviceWorkers: 'block' })
  const page = await context.newPage()
  const urls = new Set()
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname
    if (path.endsWith('.js') || path.endsWith('.mjs'))
      urls.add(path)
  })
  await page.goto(`${origin}/`)
  await page.getByTestId('worker-isolated').waitFor({ timeout: 60_000 })
  await page.waitForLoadState('networkidle')
  await context.close()
  const files = [...urls].sort()
  return { files, gzipBytes: files.reduce((sum, f) => sum + gz(join(dist, f)), 0) }
}
