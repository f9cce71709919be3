/**
 * The PWA on a static host that sets no headers: the service worker adds COOP/COEP, so after it takes control the
 * page is cross-origin isolated (threads). A new deployment is offered with Update, never forced. Also the web app
 * manifest and its PNG icons.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'
import { expect, test } from '@playwright/test'

const DIST = resolve(process.env.E2E_OUT_DIR ?? 'dist')
const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.json': 'application/json',
}

/**
 * A plain static file server: content types only, no COOP/COEP, no CSP (like many static hosts). `deploy.swSuffix` is
 * appended to sw.js, so a test can publish a "new version" of the service worker without rebuilding.
 */
function staticServer(deploy: { swSuffix: string } = { swSuffix: '' }): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '')
    let file = join(DIST, path || 'index.html')
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory())
      file = extname(path) ? '' : join(DIST, 'index.html')
    if (!file) {
      res.statusCode = 404
      res.end('not found')
      return
    }
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream')
    if (file === join(DIST, 'sw.js') && deploy.swSuffix) {
      res.end(readFileSync(file, 'utf8') + deploy.swSuffix)
      return
    }
    createReadStream(file).pipe(res)
  })
  return new Promise(ok => server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    ok({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` })
  }))
}

test('on a host without COOP/COEP headers, the service worker makes the page cross-origin isolated', async ({ page }) => {
  const { server, url } = await staticServer()
  try {
    const first = await page.goto(`${url}/`)
    expect(first?.headers()['cross-origin-embedder-policy']).toBeUndefined()
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false)
    await expect(page.getByTestId('worker-isolated')).toHaveAttribute('data-isolated', 'false')
    // Once the service worker is active the app offers the reload that makes the page isolated.
    const reloaded = page.waitForEvent('load')
    await page.getByTestId('reload-for-threads').click()
    await reloaded
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    await expect(page.getByTestId('worker-isolated')).toHaveAttribute('data-isolated', 'true')
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function')
    await expect(page.getByTestId('reload-for-threads')).toHaveCount(0)
  }
  finally {
    server.close()
  }
})

test('a new version is offered, not forced: Update appears when it is waiting, and applying it reloads under the new worker', async ({ page }) => {
  const deploy = { swSuffix: '' }
  const { server, url } = await staticServer(deploy)
  try {
    // A returning visitor: the page is controlled by the installed worker. (On a first visit nothing is controlled
    // yet, so a new worker would take over at once, with nothing to ask.)
    await page.goto(`${url}/`)
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.reload()
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    await expect(page.getByTestId('apply-update')).toHaveCount(0)

    // The next deployment: sw.js changes; the browser finds it on its next update check.
    deploy.swSuffix = '\n// the next deployment\n'
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())?.update() })
    await expect(page.getByTestId('apply-update')).toBeVisible()
    // Nothing is cut off meanwhile: the page keeps working with the old worker until the person chooses.
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state)).toBe('installed')

    const reloaded = page.waitForEvent('load')
    await page.getByTestId('apply-update').click()
    await reloaded
    await expect(page.getByTestId('apply-update')).toHaveCount(0)
    expect(await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration()
      return { waiting: registration?.waiting ?? null, controlled: navigator.serviceWorker.controller !== null }
    })).toEqual({ waiting: null, controlled: true })
  }
  finally {
    server.close()
  }
})

test('the manifest names the app and lists PNG icons, one maskable, that exist at their stated size', async ({ page, request }) => {
  await page.goto('/')
  const href = await page.locator('link[rel=manifest]').getAttribute('href')
  expect(href).toBeTruthy()
  const manifest = await (await request.get(`/${href!.replace(/^\//, '')}`)).json() as { name: string, display: string, icons: Array<{ src: string, sizes: string, type: string, purpose: string }> }
  expect(manifest.name).toBe('Local AI Assistant')
  expect(manifest.display).toBe('standalone')
  const pngs = manifest.icons.filter(i => i.type === 'image/png')
  expect(pngs.map(i => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
  expect(pngs.some(i => i.purpose === 'maskable')).toBe(true)
  for (const icon of pngs) {
    const body = await (await request.get(`/${icon.src}`)).body()
    expect(body.subarray(1, 4).toString('ascii')).toBe('PNG')
    expect(`${body.readUInt32BE(16)}x${body.readUInt32BE(20)}`).toBe(icon.sizes)
  }
})

test('the service worker precaches the app shell and the wllama WebAssembly, not the WebLLM chunk', async ({ page }) => {
  await page.goto('/')
  await page.evaluate(() => navigator.serviceWorker.ready)
  const cached = await page.evaluate(async () => {
    const names = await caches.keys()
    const urls: string[] = []
    for (const name of names.filter(n => n.includes('precache')))
      urls.push(...(await (await caches.open(name)).keys()).map(r => new URL(r.url).pathname))
    return urls
  })
  expect(cached).toContain('/index.html')
  expect(cached.some(u => /\/assets\/wllama-[\w-]+\.wasm$/.test(u))).toBe(true)
  expect(cached.some(u => /\/assets\/index-[\w-]+\.js$/.test(u))).toBe(true)
  expect(cached.some(u => /\/assets\/lib-[\w-]+\.js$/.test(u))).toBe(false)
})

test('the WebLLM chunk is cached the first time it is used, and then loads offline', async ({ page, context }) => {
  await page.goto('/')
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.reload()
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  // The WebLLM chunk is imported by the worker's lazily loaded WebLLM engine; find its name in the precached code.
  const chunk = await page.evaluate(async () => {
    const cache = (await caches.keys()).find(n => n.includes('precache'))!
    for (const r of await (await caches.open(cache)).keys()) {
      if (!/\.js(\?|$)/.test(r.url))
        continue
      const name = /lib-[\w-]+\.js/.exec(await (await fetch(r.url)).text())
      if (name)
        return `/assets/${name[0]}`
    }
    throw new Error('no precached chunk refers to the WebLLM chunk')
  })
  const inRuntimeCache = () => page.evaluate(async url => !!(await (await caches.open('local-ai-runtime-assets')).match(url)), chunk)
  expect(await inRuntimeCache()).toBe(false)
  expect(await page.evaluate(url => fetch(url).then(r => r.status), chunk)).toBe(200)
  expect(await inRuntimeCache()).toBe(true)
  await context.setOffline(true)
  expect(await page.evaluate(url => fetch(url).then(r => r.ok), chunk)).toBe(true)
})
