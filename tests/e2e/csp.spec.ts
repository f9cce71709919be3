/**
 * The production build runs under its Content Security Policy: load, download and chat with no violation, both from
 * the server's first answer and from the service worker (which adds the user's saved endpoints to connect-src).
 */
import { expect, test, type Page } from '@playwright/test'
import { ask, downloadStories, openApp, openSettings, setGreedy, showSetting } from './helpers'

declare global {
  interface Window { cspViolations: string[] }
}

/** Collects every securitypolicyviolation event of the page from its very start. */
async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI}`)
    })
  })
}

const violations = (page: Page) => page.evaluate(() => window.cspViolations)

test('the app loads, downloads a model and chats under the CSP with no violation', async ({ page }) => {
  await watchViolations(page)
  const res = await page.goto('/')
  const csp = res?.headers()['content-security-policy'] ?? ''
  expect(csp).toContain('script-src \'self\' \'wasm-unsafe-eval\'')
  expect(csp).toMatch(/connect-src 'self' https:\/\/huggingface\.co/)
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
  await downloadStories(page)
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain('Lily')
  expect(await violations(page)).toEqual([])

  // Again from the service worker's copy of the page.
  await page.reload()
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  expect(await ask(page, 'Once upon a time')).toContain('Lily')
  expect(await violations(page)).toEqual([])
})

test('the CSP blocks other origins, and allows an endpoint once the user configures it', async ({ page }) => {
  await watchViolations(page)
  await openApp(page)
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.reload()
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
  const probe = 'http://127.0.0.1:9/v1/models'
  const tryFetch = () => page.evaluate(url => fetch(url).then(() => 'reached', (e: unknown) => String(e)), probe)
  expect(await tryFetch()).toMatch(/Failed to fetch|TypeError/)
  await expect.poll(() => violations(page)).toContainEqual('connect-src blocked http://127.0.0.1:9/v1/models')

  await openSettings(page)
  await showSetting(page, 'setting-openai-url')
  await page.getByTestId('setting-openai-url').fill('http://127.0.0.1:9/v1')
  await page.keyboard.press('Escape')
  // The service worker builds the header from the saved settings when it serves the page.
  await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain('http://127.0.0.1:9')
  await page.reload()
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
  await tryFetch() // nothing listens on port 9: the fetch fails, but it is not the CSP that stops it
  expect(await violations(page)).toEqual([])
})

/** The policy's directive names, in order, and the sources of one of them. */
function directives(csp: string): string[] {
  return csp.split(';').map(d => d.trim().split(/\s+/)[0] ?? '')
}

test('endpoints that are not plain http(s) addresses are refused and never reach the CSP (issue 17 item 2)', async ({ page }) => {
  await openApp(page)
  await page.evaluate(() => navigator.serviceWorker.ready)
  const cleanCsp = await page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))
  expect(cleanCsp).toContain('img-src \'self\' data: blob:')

  // The form refuses them, with a message saying what it wants.
  await openSettings(page)
  await showSetting(page, 'setting-hub-url')
  await page.getByTestId('setting-hub-url').fill('http://x;img-src')
  await expect(page.getByTestId('setting-hub-url-error')).toContainText('https://huggingface.co')
  await page.getByTestId('setting-hub-url').fill('')
  await page.keyboard.press('Escape')

  // Values saved some other way (an older version, a hand edit) are left out of the policy by the service worker.
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('keyval-store')
    open.onsuccess = () => {
      const tx = open.result.transaction('keyval', 'readwrite')
      const store = tx.objectStore('keyval')
      const get = store.get('local-ai:settings')
      get.onsuccess = () => {
        store.put({ ...(get.result as object), hubUrl: 'http://x;img-src', openaiUrl: 'http://*', geminiBaseUrl: 'http://a.example http://b.example' }, 'local-ai:settings')
      }
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    }
    open.onerror = () => reject(open.error)
  }))
  const csp = await page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))
  expect(directives(csp)).toEqual(directives(cleanCsp))
  expect(csp).toBe(cleanCsp)
})

test('app-config.json values are checked before they are used or cached (issue 17 item 2)', async ({ page }) => {
  await page.route('**/app-config.json', route => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({
      hubUrl: 'javascript:alert(1)',
      threadProbeMaxBytes: 1e300,
      models: [{ repo: 'local/models', file: 'stories260K.gguf', sizeBytes: -5 }, { repo: '../..', file: 'x.gguf' }],
      defaultModel: { repo: 'local/models', file: '../../secret' },
    }),
  }))
  await openApp(page)
  await expect.poll(() => page.evaluate(() => localStorage.getItem('local-ai:server-config'))).not.toBeNull()
  const cached = JSON.parse(await page.evaluate(() => localStorage.getItem('local-ai:server-config') ?? '{}')) as Record<string, unknown>
  expect(cached).toEqual({ models: [{ repo: 'local/models', file: 'stories260K.gguf' }] })
  // The hub field's hint names the hub in use: never the refused one.
  await showSetting(page, 'setting-hub-url')
  await expect(page.getByText('Empty = huggingface.co.')).toBeVisible()
})
