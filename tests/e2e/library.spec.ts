/**
 * The model library against the hub mirror with faults injected over HTTP (`/__mirror/faults`, server/mirror-faults.ts):
 * real fetches, real OPFS, the real download worker, real hashes. Every test starts with the faults disarmed.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import { E2E_MODELS_DIR, SPLIT_PARTS, STORIES } from './models-fixture'
import { opfsModelFiles, opfsNameOf, openApp, reloadUnderNewCsp, storiesCard } from './helpers'

const storiesBytes = readFileSync(join(E2E_MODELS_DIR, STORIES))
const STORIES_SHA256 = createHash('sha256').update(storiesBytes).digest('hex')
/** Where stories260K is stored in OPFS (the name depends on the pinned revision: src/models/storage-name.ts). */
const storiesOpfs = (page: Page) => opfsNameOf(page, 'local/models', STORIES)

interface FaultLog { requests: Array<{ method: string, path: string, range?: string }> }

async function arm(request: APIRequestContext, faults: Record<string, unknown>): Promise<void> {
  expect((await request.put('/__mirror/faults', { data: faults })).ok()).toBe(true)
}

async function seen(request: APIRequestContext, path = STORIES): Promise<FaultLog['requests']> {
  const log = await (await request.get('/__mirror/faults')).json() as FaultLog
  return log.requests.filter(r => r.path === path && r.method === 'GET')
}

/** The manifest entry as the app stored it in IndexedDB. */
async function manifestEntry(page: Page, id = `local/models/${STORIES}`): Promise<{ state: string, sha256: string, revision?: string, verifiedAt?: number, files?: Array<{ sha256: string }> } | undefined> {
  return page.evaluate(async (key) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('local-ai-models')
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    if (!db.objectStoreNames.contains('manifest'))
      return undefined
    return new Promise((resolve, reject) => {
      const get = db.transaction('manifest').objectStore('manifest').get(key)
      get.onsuccess = () => resolve(get.result as never)
      get.onerror = () => reject(get.error)
    })
  }, id)
}

async function usageBytes(page: Page): Promise<number> {
  await expect(page.getByTestId('storage-bar')).toBeVisible()
  return Number(await page.getByTestId('storage-bar').getAttribute('data-usage'))
}

test.beforeEach(async ({ request }) => {
  await request.delete('/__mirror/faults')
})

test.afterAll(async ({ request }) => {
  await request.delete('/__mirror/faults')
})

test('connection dropped at half: the download resumes with a Range request and the hash matches', async ({ page, request }) => {
  const half = Math.floor(storiesBytes.length / 2)
  await arm(request, { [STORIES]: { dropAtBytes: half } })
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  const gets = await seen(request)
  const resumed = gets.find(r => r.range?.startsWith('bytes='))
  expect(resumed, JSON.stringify(gets)).toBeDefined()
  const from = Number(/bytes=(\d+)-/.exec(resumed!.range!)?.[1])
  expect(from).toBeGreaterThan(0)
  expect(from).toBeLessThanOrEqual(half)
  const entry = await manifestEntry(page)
  expect(entry).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
  expect(entry?.revision).toMatch(/^[0-9a-f]{40}$/)
  console.log(`resume: connection dropped at ${half} of ${storiesBytes.length} bytes; resumed with Range ${resumed!.range}`)
})

test('one flipped byte: detected, reported as corrupted, downloaded again and verified', async ({ page, request }) => {
  await arm(request, { [STORIES]: { flipByteAt: 300_000, flipTimes: 1 } })
  await openApp(page, '/models')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  await expect(card.getByTestId('model-notice')).toContainText(`download corrupted (expected ${STORIES_SHA256}, got `)
  expect((await seen(request)).filter(r => !r.range)).toHaveLength(2)
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
})

test('a byte flipped on every try: integrity_failed after one retry, nothing kept', async ({ page, request }) => {
  await arm(request, { [STORIES]: { flipByteAt: 1000, flipTimes: 5 } })
  await openApp(page, '/models')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'integrity_failed')
  await expect(page.getByTestId('error')).toContainText('download corrupted (expected')
  await expect(card.getByTestId('model-state')).toHaveText('Not downloaded')
  expect(await opfsModelFiles(page)).toEqual([])
  expect(await manifestEntry(page)).toBeUndefined()
})

test('the hub advertises the wrong size: refused as wrong size, nothing kept', async ({ page, request }) => {
  await arm(request, { [STORIES]: { advertisedSizeBytes: storiesBytes.length + 4096 } })
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'integrity_failed')
  await expect(page.getByTestId('error')).toContainText('Wrong size')
  expect(await opfsModelFiles(page)).toEqual([])
  expect(await manifestEntry(page)).toBeUndefined()
})

test('the file answers 404: model_not_found, nothing kept', async ({ page, request }) => {
  await arm(request, { [STORIES]: { status: 404 } })
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'model_not_found')
  expect(await opfsModelFiles(page)).toEqual([])
  expect(await manifestEntry(page)).toBeUndefined()
})

test('a model that cannot fit is refused before it starts, with a least-recently-used suggestion', async ({ page, request }) => {
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  const { usage, quota } = await page.evaluate(async () => {
    // The service worker's precache (~15 MB) lands in the same quota: let it settle first.
    await navigator.serviceWorker.ready
    const e = await navigator.storage.estimate()
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 }
  })
  // Bigger than the free space, smaller than the free space plus stories260K: deleting it would make room.
  const tiny = 'llama-2-tiny-random.gguf'
  await arm(request, { [tiny]: { advertisedSizeBytes: quota - usage + 500_000 } })
  await storiesCard(page, tiny).getByTestId('download').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'storage_quota')
  await expect(page.getByTestId('lru-suggestion')).toContainText(STORIES)
  expect(await seen(request, tiny)).toEqual([])
  expect(await opfsModelFiles(page)).toEqual([await storiesOpfs(page)])
})

test('persistent storage is requested before the first download; delete frees the space in the estimate; clear all empties the library', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { persistCalls: number }
    w.persistCalls = 0
    const original = navigator.storage.persist.bind(navigator.storage)
    navigator.storage.persist = () => { w.persistCalls++; return original() }
  })
  await openApp(page, '/models')
  expect(await page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls)).toBe(0)
  const before = await usageBytes(page)
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  expect(await page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls)).toBe(1)
  await expect.poll(() => usageBytes(page)).toBeGreaterThanOrEqual(before + storiesBytes.length)
  const withModel = await usageBytes(page)
  await storiesCard(page).getByTestId('delete').click()
  await page.getByTestId('confirm-action').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Not downloaded')
  await expect.poll(() => usageBytes(page)).toBeLessThanOrEqual(withModel - storiesBytes.length)
  expect(await opfsModelFiles(page)).toEqual([])

  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await page.getByTestId('clear-all').click()
  await page.getByTestId('confirm-action').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Not downloaded')
  expect(await opfsModelFiles(page)).toEqual([])
})

test('cancel keeps the partial file; after a reload (a closed tab) Resume continues it with a Range request', async ({ page, context, request }) => {
  await openApp(page, '/models')
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 128 * 1024, uploadThroughput: -1 })
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('download-stats')).toHaveText(/ · [1-9]\d?% · /)
  // While it downloads, the card offers Cancel, not a disabled Download under it.
  await expect(card.getByTestId('download')).toHaveCount(0)
  await card.getByTestId('cancel-download').click()
  await expect(card.getByTestId('model-state')).toHaveText(/^Paused at \d+%$/)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

  await page.reload()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText(/^Paused at [1-9]\d*%$/)
  expect(await manifestEntry(page)).toMatchObject({ state: 'partial' })
  await expect(storiesCard(page).getByTestId('download')).toHaveText('Resume')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  expect((await seen(request)).some(r => /^bytes=[1-9]\d*-$/.test(r.range ?? ''))).toBe(true)
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
})

test('the OPFS file deleted behind the app\'s back: the library notices and downloads it again', async ({ page }) => {
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await page.evaluate(async (name) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models')
    await dir.removeEntry(name)
  }, await storiesOpfs(page))
  await page.reload()
  const card = storiesCard(page)
  await expect(card.getByTestId('model-state')).toHaveText('Removed by the browser')
  await expect(card.getByTestId('download')).toHaveText('Download again')
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
})

test('Verify re-hashes a stored model; a file changed on disk fails verification', async ({ page }) => {
  await openApp(page, '/models')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  await card.getByTestId('verify').click()
  await expect(card.getByTestId('model-notice')).toContainText('Verified')
  await page.evaluate(async (name) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models')
    const w = await (await dir.getFileHandle(name)).createWritable({ keepExistingData: true })
    await w.write({ type: 'write', position: 500_000, data: new Uint8Array([1, 2, 3]) })
    await w.close()
  }, await storiesOpfs(page))
  await card.getByTestId('verify').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'integrity_failed')
  await expect(page.getByTestId('error')).toContainText('changed on disk')
})

test('the library shows the GGUF header facts of a downloaded model', async ({ page }) => {
  await openApp(page, '/models')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  await expect(card.getByTestId('model-facts')).toHaveText(/llama · 0\.29M params · ctx 2048 · .*no chat template/)
})

test('malformed GGUFs through the local-file import: each refused clearly, nothing stored, page and worker alive', async ({ page }) => {
  await openApp(page, '/models')
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }
  const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return b }
  const cases: Array<[string, Buffer, string]> = [
    ['wrong-magic.gguf', Buffer.concat([Buffer.from('GGML'), storiesBytes.subarray(4)]), 'invalid_model_file'],
    ['version-1.gguf', Buffer.concat([storiesBytes.subarray(0, 4), u32(1), storiesBytes.subarray(8)]), 'invalid_model_file'],
    ['truncated-header.gguf', storiesBytes.subarray(0, 3_000), 'truncated_model_file'],
    ['absurd-counts.gguf', Buffer.concat([Buffer.from('GGUF'), u32(3), u64(2n ** 62n), u64(2n ** 62n), Buffer.alloc(64)]), 'invalid_model_file'],
    ['giant-string.gguf', Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0n), u64(1n), u64(2n ** 60n), Buffer.from('key')]), 'invalid_model_file'],
    ['short-data.gguf', storiesBytes.subarray(0, storiesBytes.length - 10_000), 'truncated_model_file'],
  ]
  for (const [name, buffer, code] of cases) {
    await page.getByTestId('pick-local-file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer })
    await expect(page.getByTestId('error')).toHaveAttribute('data-code', code)
    await expect(page.getByTestId('error')).toContainText(name)
    // Shown just below the file chooser, where the person acted (it was at the top of the screen: a newcomer).
    const [drop, error] = await Promise.all([page.getByTestId('file-drop').boundingBox(), page.getByTestId('error').boundingBox()])
    expect(error!.y).toBeGreaterThan(drop!.y)
  }
  expect(await opfsModelFiles(page)).toEqual([])
  console.log(`local import: ${cases.length} malformed GGUFs refused, 0 stored`)

  // Still alive: a good file imports, verifies and runs in the inference worker.
  await page.getByTestId('pick-local-file').setInputFiles({ name: 'my-stories.gguf', mimeType: 'application/octet-stream', buffer: storiesBytes })
  const card = page.locator('[data-testid=model-card][data-model-id="local-file/my-stories.gguf"]')
  await expect(card.getByTestId('model-state')).toHaveText('Downloaded')
  expect(await manifestEntry(page, 'local-file/my-stories.gguf')).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
  await card.getByTestId('load').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
})

test('a .gguf dropped on the library is imported like a picked one: copied to OPFS, hashed, loadable', async ({ page }) => {
  await openApp(page, '/models')
  const drop = page.getByTestId('file-drop')
  // A drag from the desktop, as the browser delivers it: a DataTransfer holding the file.
  const dataTransfer = await page.evaluateHandle(async (url) => {
    const transfer = new DataTransfer()
    transfer.items.add(new File([await (await fetch(url)).arrayBuffer()], 'dropped-stories.gguf', { type: 'application/octet-stream' }))
    return transfer
  }, `/local/models/resolve/main/${STORIES}`)
  await drop.dispatchEvent('dragover', { dataTransfer })
  await expect(drop).toHaveClass(/over/)
  await drop.dispatchEvent('drop', { dataTransfer })
  await expect(drop).not.toHaveClass(/over/)
  const card = page.locator('[data-testid=model-card][data-model-id="local-file/dropped-stories.gguf"]')
  await expect(card.getByTestId('model-state')).toHaveText('Downloaded')
  expect(await manifestEntry(page, 'local-file/dropped-stories.gguf')).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
  await card.getByTestId('load').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
})

test('a split GGUF: listed once, both parts downloaded in parallel and verified, loaded as one model', async ({ page, request }) => {
  await openApp(page, '/models')
  await expect(storiesCard(page, SPLIT_PARTS[1]!)).toHaveCount(0)
  const card = storiesCard(page, SPLIT_PARTS[0]!)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  for (const part of SPLIT_PARTS)
    expect(await seen(request, part)).toHaveLength(1)
  expect((await opfsModelFiles(page)).sort()).toEqual((await Promise.all(SPLIT_PARTS.map(p => opfsNameOf(page, 'local/models', p)))).sort())
  const entry = await manifestEntry(page, `local/models/${SPLIT_PARTS[0]}`)
  const sha = (name: string) => createHash('sha256').update(readFileSync(join(E2E_MODELS_DIR, name))).digest('hex')
  expect(entry?.state).toBe('ready')
  expect(entry?.files?.map(f => f.sha256)).toEqual(SPLIT_PARTS.map(sha))
})

test('the cheap check before every load refuses a stored file whose header was damaged on disk', async ({ page }) => {
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await page.evaluate(async (name) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models')
    const w = await (await dir.getFileHandle(name)).createWritable({ keepExistingData: true })
    await w.write({ type: 'write', position: 0, data: new TextEncoder().encode('GGML') })
    await w.close()
  }, await storiesOpfs(page))
  // The reload loads the last model again: the same size, but the magic check refuses it.
  await page.reload()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'invalid_model_file')
  await expect(storiesCard(page).getByTestId('model-state')).not.toHaveText('Loaded')
})

test('add by repo with the quantization picker, and by direct URL', async ({ page, baseURL }) => {
  await openApp(page, '/models')
  await page.getByTestId('add-repo').fill('local/models')
  await page.getByTestId('list-files').click()
  // The listing arrives asynchronously; read the options once it has.
  await expect(page.getByTestId('pick-file').locator('option', { hasText: STORIES })).not.toHaveCount(0)
  const options = await page.getByTestId('pick-file').locator('option').allTextContents()
  expect(options.some(o => o.startsWith(STORIES))).toBe(true)
  expect(options.some(o => o.startsWith(SPLIT_PARTS[0]!))).toBe(true)
  expect(options.some(o => o.startsWith(SPLIT_PARTS[1]!))).toBe(false)

  const url = `${baseURL}/local/models/resolve/main/${STORIES}`
  await page.getByTestId('add-url').fill(url)
  await page.getByTestId('add-url-button').click()
  const card = page.locator(`[data-testid=model-card][data-model-id="url/${url}"]`)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  expect(await manifestEntry(page, `url/${url}`)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256, revision: 'url' })
  // Deleted, a model added by URL goes with its card (it stayed "Not downloaded" before), also after a reload.
  await card.getByTestId('delete').click()
  await page.getByTestId('confirm-action').click()
  await expect(card).toHaveCount(0)
  await page.reload()
  await expect(page.getByTestId('model-card').first()).toBeVisible()
  await expect(card).toHaveCount(0)
})

test('models by URL on other hosts: the card says a reload allows them, they stay after the reload, and download, also through a redirect (newcomer report)', async ({ page, baseURL }) => {
  await openApp(page, '/models')
  await reloadUnderNewCsp(page, []) // a page the service worker controls, as on every visit after the first
  // A file on another origin with no redirect: the mirror's CDN, at the signed address /resolve/ redirects to.
  const resolve = `${baseURL}/local/models/resolve/main/${STORIES}`
  const direct = (await fetch(resolve, { redirect: 'manual' })).headers.get('location')!.replace('//localhost:', '//127.0.0.1:')
  // The same mirror under another origin (127.0.0.1 instead of localhost): it redirects to that CDN, as the Hub does.
  const redirecting = resolve.replace('localhost', '127.0.0.1')
  const card = (url: string) => page.locator(`[data-testid=model-card][data-model-id="url/${url}"]`)
  for (const url of [direct, redirecting]) {
    await page.getByTestId('add-url').fill(url)
    await page.getByTestId('add-url-button').click()
    // The new card is brought into view with the focus on its Download, and says there why a reload is needed.
    await expect(card(url)).toBeInViewport()
    await expect(card(url).getByTestId('download')).toBeFocused()
    await expect(card(url).getByTestId('url-note')).toContainText(`This page may download from ${new URL(url).host} from its next load`)
    await expect(card(url).getByTestId('url-reload')).toBeVisible()
  }
  // Reload page: the service worker's policy now admits both hosts, both cards are still offered, and asked again,
  // they have nothing more to say.
  await reloadUnderNewCsp(page, [new URL(direct).origin, new URL(redirecting).origin])
  await page.reload()
  await expect(card(redirecting)).toBeVisible()
  await expect(page.getByTestId('url-note')).toHaveCount(0)
  await card(direct).getByTestId('download').click()
  await expect(card(direct).getByTestId('model-state')).toHaveText('Loaded')
  expect(await manifestEntry(page, `url/${direct}`)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256, revision: 'url' })
  // The host that redirects to that CDN downloads too, now that both are allowed (a redirect to a host no policy lists
  // is said in words: url-reach.test).
  await card(redirecting).getByTestId('download').click()
  await expect(card(redirecting).getByTestId('model-state')).toHaveText('Downloaded') // the first one stays the chat's model
})

test('a URL whose host redirects to an address the page may not reach: after the reload its card says so, and Download says what to do instead (newcomer report)', async ({ page, baseURL }) => {
  await openApp(page, '/models')
  await reloadUnderNewCsp(page, [])
  // The mirror under 127.0.0.1: /resolve/ redirects to its CDN on 127.0.0.1, an origin no policy lists.
  const redirecting = `${baseURL}/local/models/resolve/main/${STORIES}`.replace('localhost', '127.0.0.1')
  const card = page.locator(`[data-testid=model-card][data-model-id="url/${redirecting}"]`)
  await page.getByTestId('add-url').fill(redirecting)
  await page.getByTestId('add-url-button').click()
  await expect(card.getByTestId('url-note')).toContainText('from its next load')
  // Reloaded as the note asks: the host is allowed now, and the card tells the next truth at once.
  await reloadUnderNewCsp(page, [new URL(redirecting).origin])
  await page.reload()
  await expect(card.getByTestId('url-note')).toContainText(`${new URL(redirecting).host} sends this file from another address`)
  await card.getByTestId('download').click()
  const error = card.locator('[data-testid=error][data-code=redirect_blocked]')
  await expect(error).toContainText('Drop a .gguf here')
  await expect(error).not.toContainText('connection')
})

test('a model URL that is not a .gguf address is refused with a reason, not cleared silently', async ({ page }) => {
  await openApp(page, '/models')
  await page.getByTestId('add-url').fill('not a url')
  await page.getByTestId('add-url-button').click()
  await expect(page.getByTestId('url-invalid')).toHaveText('Enter the http(s) address of a .gguf file.')
  await expect(page.getByTestId('add-url')).toHaveValue('not a url')
})

test('a tab closed mid-download (no cancel): the next start finds the partial file and Resume completes it', async ({ page, context, request }) => {
  await openApp(page, '/models')
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 128 * 1024, uploadThroughput: -1 })
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('download-stats')).toHaveText(/ · [1-9]\d?% · /)
  // A reload tears down the page and its download worker mid-write, as closing the tab or a crash would.
  await page.reload()
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }).catch(() => undefined)
  const card = storiesCard(page)
  await expect(card.getByTestId('model-state')).toHaveText(/^Paused at [1-9]\d*%$/)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  expect((await seen(request)).some(r => /^bytes=[1-9]\d*-$/.test(r.range ?? ''))).toBe(true)
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
})

test('a stored file cut short behind the app\'s back is offered again and downloaded from scratch', async ({ page, request }) => {
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await page.evaluate(async (name) => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models')
    const w = await (await dir.getFileHandle(name)).createWritable({ keepExistingData: true })
    await w.truncate(400_000)
    await w.close()
  }, await storiesOpfs(page))
  await page.reload()
  const card = storiesCard(page)
  await expect(card.getByTestId('model-state')).toHaveText('Damaged on disk')
  await expect(card.getByTestId('download')).toHaveText('Download again')
  await request.delete('/__mirror/faults')
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  expect((await seen(request)).map(r => r.range)).toEqual([undefined])
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
})

test('the quota runs out mid-download (a real QuotaExceededError): reported as storage_quota, the partial kept, never ready; Resume completes once there is room', async ({ page, context, request, baseURL }) => {
  await openApp(page, '/models')
  await page.evaluate(() => navigator.serviceWorker.ready)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 128 * 1024, uploadThroughput: -1 })
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('download-stats')).toHaveText(/ · [1-9]\d?% · /)
  // Chromium's quota for this origin drops to just above what is stored now: the next writes fail for real.
  const origin = new URL(baseURL!).origin
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 32 * 1024 })
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

  await expect(page.locator('[data-testid=error][data-code=storage_quota]').first()).toBeVisible()
  await expect(card.getByTestId('model-state')).toHaveText(/^Paused at \d+%$/)
  const partial = await manifestEntry(page)
  expect(partial?.state).not.toBe('ready')

  await cdp.send('Storage.overrideQuotaForOrigin', { origin })
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  expect(await manifestEntry(page)).toMatchObject({ state: 'ready', sha256: STORIES_SHA256 })
  expect((await seen(request)).some(r => /^bytes=[1-9]\d*-$/.test(r.range ?? ''))).toBe(true)
  console.log(`quota: writes refused above ${usage + 32 * 1024} bytes mid-download; partial kept as ${partial?.state}; resumed with a Range request and verified`)
})

test('each card says whether the model fits this device: memory as the browser reports it, and free storage', async ({ page }) => {
  // A phone-sized device: the browser reports 2 GiB of memory.
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 2 }))
  await openApp(page, '/models')
  await expect(storiesCard(page).getByTestId('fit')).toHaveAttribute('data-verdict', 'fits')
  await expect(storiesCard(page).getByTestId('fit')).toHaveText(/Fits this device, runs on the CPU/)
  // The public catalog's 1.5B model needs more than this device has.
  const big = page.locator('[data-testid=model-card]', { hasText: /Qwen2\.5 1\.5B/i }).getByTestId('fit')
  await expect(big).toHaveAttribute('data-verdict', 'too_big')
  await expect(big).toContainText('this device reports 2.0 GiB')
})
