/** The installed app works with no network: the service worker serves the app, OPFS holds the model. */
import { expect, test } from '@playwright/test'
import { ask, openApp, setGreedy, storiesCard } from './helpers'

test('after one visit the app opens, loads its model and chats offline', async ({ page, context }) => {
  // The Models screen's own URL: offline, the service worker answers it with the app (its navigation fallback).
  await openApp(page, '/models')
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline')
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  await expect(card.getByTestId('model-state')).toHaveText('Loaded')

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
