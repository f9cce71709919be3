/**
 * The path a user walks, on the real parts: the built app, the hub mirror, real OPFS, the real inference worker and
 * real wllama running the real stories260K.gguf.
 */
import { expect, test } from '@playwright/test'
import { NOT_GGUF, TRUNCATED } from './models-fixture'
import { ask, loadedModel, opfsModelFiles, opfsNameOf, opfsRootEntries, openApp, openChat, setGreedy, setSetting, storiesCard } from './helpers'

test('the page and the inference worker are cross-origin isolated', async ({ page }) => {
  const response = await page.goto('/')
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin')
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp')
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
  await expect(page.getByTestId('worker-isolated')).toHaveAttribute('data-isolated', 'true')
})

test('download with progress, load, stream, stop, and reload from OPFS without fetching the model', async ({ page, context }) => {
  await openApp(page, '/models')
  const card = storiesCard(page)
  // A test file of the server's own folder: offered apart from the catalog, never recommended.
  await expect(page.getByTestId('server-files').locator(card)).toBeVisible()
  await expect(card).not.toContainText('Recommended')
  await expect(card.getByTestId('model-state')).toHaveText('Not downloaded')

  // Slow the network so the progress bar is on screen long enough to read.
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 256 * 1024, uploadThroughput: -1 })
  await card.getByTestId('download').click()
  await expect(card.getByTestId('download-stats')).toHaveText(/[\d.]+ (B|KiB|MiB) of 1\.1 MiB · \d+% · [\d.]+ (B|KiB|MiB)\/s/)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

  await expect(card.getByTestId('model-state')).toHaveText('Loaded')
  await openChat(page)
  await expect(page.getByTestId('no-template-notice')).toBeVisible()
  // One copy of the model: ours in /models. wllama's own cache (/cache) is never used.
  expect(await opfsRootEntries(page)).toEqual(['models'])
  expect(await opfsModelFiles(page)).toEqual([await opfsNameOf(page, 'local/models', 'stories260K.gguf')])

  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain('there was a little girl named Lily')

  // Stop: a long answer is cut short, marked as stopped, and the next prompt works.
  await setSetting(page, 'setting-max-tokens', '4000')
  await setSetting(page, 'setting-temperature', '1')
  await page.getByTestId('prompt').fill('Once upon a time')
  await page.getByTestId('send').click()
  const answer = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(answer.getByTestId('message-content')).not.toHaveText(/^\s*▍?\s*$/)
  await page.getByTestId('stop').click()
  await expect(answer.getByTestId('stopped')).toBeVisible()
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain('there was a little girl named Lily')

  // Reload: the model comes back from OPFS; nothing asks the network for a .gguf.
  const ggufRequests: string[] = []
  context.on('request', (r) => { if (/\.gguf(\?|$)/.test(r.url())) ggufRequests.push(r.url()) })
  await page.reload()
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain('there was a little girl named Lily')
  expect(ggufRequests).toEqual([])
})

test('a model that does not exist on the hub gets a clear message and leaves nothing behind', async ({ page }) => {
  await openApp(page, '/models')
  await page.getByTestId('add-repo').fill('local/models')
  await page.getByTestId('add-file').fill('no-such-model.gguf')
  await page.getByTestId('add-model').click()
  const card = storiesCard(page, 'no-such-model.gguf')
  await card.getByTestId('download').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'model_not_found')
  await expect(page.getByTestId('error')).toContainText('was not found')
  await expect(card.getByTestId('model-state')).toHaveText('Not downloaded')
  expect(await opfsModelFiles(page)).toEqual([])
})

for (const [file, code, words] of [
  [NOT_GGUF, 'invalid_model_file', 'not a GGUF model'],
  [TRUNCATED, 'truncated_model_file', 'incomplete'],
] as const) {
  test(`${file} is refused with ${code} and deleted`, async ({ page }) => {
    await openApp(page, '/models')
    const card = storiesCard(page, file)
    await card.getByTestId('download').click()
    // In the card of the file it concerns (issue 16 item 5), not above the list.
    await expect(card.getByTestId('error')).toHaveAttribute('data-code', code)
    await expect(card.getByTestId('error')).toContainText(words)
    await expect(page.getByTestId('error')).toHaveCount(1)
    await expect(card.getByTestId('model-state')).toHaveText('Not downloaded')
    expect(await opfsModelFiles(page)).toEqual([])
  })
}
