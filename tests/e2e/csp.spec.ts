/**
 * The production build runs under its Content Security Policy: load, download and chat with no violation, both from
 * the server's first answer and from the service worker (which adds the user's saved endpoints to connect-src).
 */
import { expect, test, type Page } from '@playwright/test'
import { ask, downloadStories, openApp, openSettings, setGreedy } from './helpers'

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
  await page.getByTestId('setting-openai-url').fill('http://127.0.0.1:9/v1')
  await page.keyboard.press('Escape')
  // The service worker builds the header from the saved settings when it serves the page.
  await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain('http://127.0.0.1:9')
  await page.reload()
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
  await tryFetch() // nothing listens on port 9: the fetch fails, but it is not the CSP that stops it
  expect(await violations(page)).toEqual([])
})
