/** The installed app works with no network: the service worker serves the app, OPFS holds the model. */
import { expect, test } from '@playwright/test'
import { ask, openApp, setGreedy, storiesCard } from './helpers'

test('after one visit the app opens, loads its model and chats offline', async ({ page, context }) => {
  // The Models screen's own URL: offline, the service worker answers it with the app (its navigation fallback).
  await openApp(page, '/models')
  // Before any model the app itself works offline, but nothing could answer there yet: it says so.
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline once a model is downloaded')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  // Loading measures the thread count: slow on a busy machine (as in helpers.downloadStories).
  await expect(card.getByTestId('model-state')).toHaveText('Loaded', { timeout: 60_000 })
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline')

  await context.setOffline(true)
  await page.reload()
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain('there was a little girl named Lily')
  // The offline page is the service worker's copy, served with the isolation headers and the CSP it adds.
  const headers = await page.evaluate(() => fetch('/').then(r => Object.fromEntries(r.headers)))
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp')
  expect(headers['content-security-policy']).toContain('script-src \'self\' \'wasm-unsafe-eval\'')
  await expect(page.getByTestId('status-state')).toHaveText('ready')
})

test('a page opened offline can download once back online: its policy keeps the mirror CDN the server named last', async ({ page, context, request }) => {
  const { downloadOrigins } = await (await request.get('/app-config.json')).json() as { downloadOrigins: string[] }
  expect(downloadOrigins.length).toBeGreaterThan(0)
  await openApp(page, '/models')
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline once a model is downloaded')

  await context.setOffline(true)
  await page.reload()
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  // The policy the service worker builds while offline (as for this page) names the CDN.
  const csp = await page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))
  for (const origin of downloadOrigins)
    expect(csp).toContain(origin)
  await context.setOffline(false)
  // The download redirects to the CDN: allowed, so it completes (it failed with "Failed to fetch" before).
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText(/Loading…|Loaded/, { timeout: 60_000 })
  await expect(page.locator('[data-testid=error][data-code=download_failed]')).toHaveCount(0)
})

test('a file missing from the offline copy: the header does not claim "Works offline", the missing engine chunk is a coded error with Reload, and online again it is fetched back', async ({ page, context }) => {
  const status = page.getByTestId('offline-status')
  await openApp(page, '/models')
  await expect(status).toHaveText('Works offline once a model is downloaded')
  // The model's file is stored once the card moves on to loading (loading itself is not needed here).
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText(/Loading…|Loaded/, { timeout: 60_000 })

  // The engine chunk leaves the offline copy (evicted, or an install that raced a deployment).
  const removed = await page.evaluate(async () => {
    const name = (await caches.keys()).find(k => k.startsWith('workbox-precache'))
    const cache = await caches.open(name ?? '')
    const engine = (await cache.keys()).filter(r => /wllama-engine-[\w-]+\.js/.test(r.url))
    await Promise.all(engine.map(r => cache.delete(r)))
    return engine.length
  })
  expect(removed).toBe(1)

  await context.setOffline(true)
  await page.reload()
  await expect(status).toHaveText('Not ready offline')
  // Loading the model needs the engine chunk: a coded error in plain words, never the browser's raw message.
  const error = page.locator('[data-testid=error][data-code=chunk_load_failed]').first()
  const load = storiesCard(page).getByTestId('load')
  await expect(error.or(load).first()).toBeVisible()
  if (await load.isVisible())
    await load.click()
  await expect(error).toBeVisible()
  await expect(error).toContainText('Part of the app could not be loaded')
  await expect(error).toContainText('wllama-engine-')
  await expect(error).not.toContainText('dynamically imported')

  // Online again, Reload: the service worker fetches the missing file back, and the app is ready offline again.
  await context.setOffline(false)
  await error.getByTestId('reload-app').click()
  await expect(status).toHaveText('Works offline')
  await expect(page.locator('[data-testid=error][data-code=chunk_load_failed]')).toHaveCount(0)
})
