/**
 * The inference worker on the real parts: thread measurement, crash recovery, prompt reuse and idle unload, with
 * real wllama on stories260K.gguf in Chromium.
 */
import { expect, test, type Locator, type Page } from '@playwright/test'
import { MAX_UNCLEAR_PROBES } from '../../src/workers/inference/wllama/thread-probe'
import { ask, closeSettings, downloadStories, openApp, openChat, openModels, openPerformance, reloadAndWaitLoaded, setGreedy, setSetting, startLongAnswer, storiesCard, showSetting } from './helpers'

const LILY = 'there was a little girl named Lily'

/** Downloads stories260K, then llama-2-tiny-random, which ends up loaded; returns tiny's card. */
async function downloadStoriesThenTiny(page: Page): Promise<Locator> {
  await openApp(page)
  await downloadStories(page)
  await openModels(page)
  const tiny = storiesCard(page, 'llama-2-tiny-random.gguf')
  await tiny.getByTestId('download').click()
  // A model is chosen already: the finished download is offered, not switched to (issue 16).
  await expect(tiny.getByTestId('model-state')).toHaveText('Downloaded')
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await tiny.getByTestId('load').click()
  await expect(tiny.getByTestId('model-state')).toHaveText('Loaded')
  return tiny
}

test('the thread count is measured on first load, cached after, and a setting overrides it', async ({ page }) => {
  await openApp(page)
  const cores = await page.evaluate(() => navigator.hardwareConcurrency)
  test.skip(cores < 2, 'Measuring threads needs at least 2 cores') // this machine and CI have 2
  await downloadStories(page)
  await openPerformance(page)
  const backend = page.getByTestId('engine-backend')
  await expect(backend).toHaveAttribute('data-thread-source', 'measured')
  await expect(backend).toHaveAttribute('data-thread-samples', String(Math.min(cores, 8)))
  await expect(backend).toContainText(/1: \d+ tok\/s, 2: \d+ tok\/s/)

  // A clear choice is cached. One the rounds disagreed on (the machine was busy meanwhile) is measured again on the
  // next load; after MAX_UNCLEAR_PROBES such loads their figures are combined and cached: no load probes for good.
  let probes = 1
  for (; await backend.getAttribute('data-thread-unclear') === 'true'; probes++) {
    expect(probes, `an unclear choice is measured on ${MAX_UNCLEAR_PROBES} loads at most`).toBeLessThan(MAX_UNCLEAR_PROBES)
    await reloadAndWaitLoaded(page)
    await expect(backend).toHaveAttribute('data-thread-source', 'measured')
  }
  const settledAfter = await backend.getAttribute('data-thread-settled-after')
  expect(settledAfter === null || settledAfter === String(MAX_UNCLEAR_PROBES), 'a settled choice names its probe loads').toBe(true)
  const chosen = await backend.getAttribute('data-threads')
  console.log(`thread choice: ${chosen} after ${probes} probe load(s)${settledAfter ? ', settled from unclear rounds' : ''}: ${await backend.textContent()}`)
  await reloadAndWaitLoaded(page)
  await expect(backend).toHaveAttribute('data-thread-source', 'cached')
  await expect(backend).toHaveAttribute('data-threads', chosen!)

  // Two threads by setting: the output is the same greedy story.
  await setSetting(page, 'setting-threads', '2')
  await reloadAndWaitLoaded(page)
  await expect(backend).toHaveAttribute('data-thread-source', 'setting')
  await expect(backend).toHaveAttribute('data-threads', '2')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
  await openPerformance(page)
  await expect(page.getByTestId('metrics')).toHaveAttribute('data-threads', '2')
})

test.describe('a big model', () => {
  // The test stands in a small file for a big one through the deployment's app-config.json; a service worker would
  // answer that request before Playwright's route could (the server still sends COOP/COEP: the page stays isolated).
  test.use({ serviceWorkers: 'block' })

  test('learns its thread count from the chats, with no probe loads, and caches the choice once every count has samples', async ({ page }) => {
    await page.route('**/app-config.json', async (route) => {
      const response = await route.fetch()
      await route.fulfill({ response, json: { ...await response.json() as object, threadProbeMaxBytes: 0 } })
    })
    await openApp(page)
    const cores = await page.evaluate(() => navigator.hardwareConcurrency)
    test.skip(cores < 2, 'Choosing a thread count needs at least 2 cores') // this machine and CI have 2
    const counts = Math.min(cores, 8)
    const backend = page.getByTestId('engine-backend')
    await downloadStories(page)
    await setGreedy(page, 40)
    // No probe: each load tries the next count (1, 2, …), and its chats are recorded for it.
    for (let threads = 1; threads <= counts; threads++) {
      await openPerformance(page)
      await expect(backend).toHaveAttribute('data-thread-source', 'learning')
      await expect(backend).toHaveAttribute('data-threads', String(threads))
      await expect(backend).toHaveAttribute('data-thread-samples', String(threads - 1))
      for (const prompt of ['Once upon a time', 'One day', 'The cat'])
        expect((await ask(page, prompt)).length).toBeGreaterThan(0)
      await reloadAndWaitLoaded(page)
    }

    // Every count has its samples: the choice is made from them, then cached. On a busy machine a count clearly
    // slower than 1 thread is dropped after one chat and the choice is made (and cached) in that session already.
    await openPerformance(page)
    await expect(backend).toHaveAttribute('data-thread-source', /^(measured|cached)$/)
    await expect(backend).toHaveAttribute('data-thread-samples', String(counts))
    await expect(backend).toContainText(/1: \d+ tok\/s, 2: \d+ tok\/s/)
    const chosen = await backend.getAttribute('data-threads')
    await reloadAndWaitLoaded(page)
    await expect(backend).toHaveAttribute('data-thread-source', 'cached')
    await expect(backend).toHaveAttribute('data-threads', chosen!)
  })
})

test('a worker that dies mid-generation fails the request with worker_crashed, restarts, and the next prompt reloads the model', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await startLongAnswer(page)
  const worker = page.workers().find(w => w.url().includes('inference.worker'))
  expect(worker, 'the inference worker is running').toBeDefined()
  // An uncaught error in the worker, as a wasm abort or a bug would raise.
  await worker!.evaluate(() => { setTimeout(() => { throw new Error('simulated crash') }) })
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'worker_crashed')
  await openPerformance(page)
  await expect(page.getByTestId('engine-restarted')).toBeVisible()
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
})

test('Restart engine terminates a running generation and the next prompt works', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await startLongAnswer(page)
  const before = page.workers().find(w => w.url().includes('inference.worker'))
  await openPerformance(page)
  await page.getByTestId('restart-engine').click()
  // Nothing runs now: the old worker's queue went with it (the chip said "generating" with nothing running).
  await expect(page.getByTestId('engine-queue')).toContainText('0 running, 0 waiting')
  await expect(page.getByTestId('status-state')).not.toHaveText('generating')
  await openChat(page)
  // The restart the person asked for, said as such: not "stopped unexpectedly".
  const stopped = page.getByTestId('error')
  await expect(stopped).toHaveAttribute('data-code', 'engine_restarted')
  await expect(stopped).toContainText('was restarted')

  // That reply's error stays in its conversation: a new chat with Gemini and no key still shows why Send is off, and
  // the fix (a newcomer's new chat had neither, only a greyed Send).
  const backend = await showSetting(page, 'setting-backend')
  const chosen = await backend.inputValue()
  await backend.selectOption('gemini')
  await closeSettings(page)
  await page.getByTestId('new-conversation').click()
  await expect(page.getByTestId('backend-readiness')).toHaveAttribute('data-code', 'missing_api_key')
  await expect(page.getByTestId('backend-readiness').getByTestId('next-step-settings')).toBeVisible()
  await (await showSetting(page, 'setting-backend')).selectOption(chosen)
  await closeSettings(page)

  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
  // A new worker answered, and the old one runs nothing any more: a worker still alive answers evaluate() at once. Its
  // absence from page.workers() is not waited for: Chromium's DevTools protocol reported the close of the old worker
  // late or never when its nested wllama worker closed at the same moment (the CI run of 7625bd7, and 1 of 14 runs
  // under load here: the nested worker's close arrived, the parent's did not, and evaluate() on it never returned).
  expect(page.workers().some(w => w.url().includes('inference.worker') && w !== before)).toBe(true)
  const answersEvaluate = await Promise.race([
    before!.evaluate(() => true).catch(() => false),
    new Promise<boolean>(resolve => setTimeout(() => resolve(false), 5000)),
  ])
  expect(answersEvaluate, 'the old inference worker still runs JavaScript').toBe(false)
})

test('a follow-up turn reuses the conversation\'s KV cache instead of processing the history again', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  // stories260K has no chat template; give it ChatML so the chat path (with history) runs. Tools off: this is the
  // plain streaming chat, whose prompt is the conversation itself (an agent turn prompts with its tool protocol).
  await setSetting(page, 'setting-chat-template', 'chatml')
  await showSetting(page, 'setting-tool-calculator')
  for (const tool of ['calculator', 'datetime', 'unit_convert', 'notes'])
    await page.getByTestId(`setting-tool-${tool}`).uncheck()
  await closeSettings(page)
  await reloadAndWaitLoaded(page)
  await setGreedy(page, 16)
  await ask(page, 'Tell me a story about a cat.')
  await openPerformance(page)
  const metrics = page.getByTestId('metrics')
  const firstPrompt = Number(await metrics.getAttribute('data-prompt-tokens'))
  expect(firstPrompt).toBeGreaterThan(5)
  await ask(page, 'And then?')
  await openPerformance(page)
  const secondPrompt = Number(await metrics.getAttribute('data-prompt-tokens'))
  const reused = Number(await metrics.getAttribute('data-cached-tokens'))
  expect(secondPrompt).toBeGreaterThan(firstPrompt)
  // The whole first turn's prompt is reused; only the new turn is processed.
  expect(reused).toBeGreaterThanOrEqual(firstPrompt)
})

test('after the idle timeout the model is unloaded, and the next message reloads it', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setSetting(page, 'setting-idle-minutes', '0.02') // 1.2 s
  await reloadAndWaitLoaded(page)
  await openPerformance(page)
  await expect(page.getByTestId('idle-unloaded')).toBeVisible({ timeout: 15_000 })
  // The note lives on the Performance screen, a navigation away from the chat: a longer timeout for the reloaded
  // model, so it is not unloaded again before the note is read.
  await setSetting(page, 'setting-idle-minutes', '10')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
  await openPerformance(page)
  await expect(page.getByTestId('idle-unloaded')).toBeHidden()
})

test('on opening, the app loads the model Settings names, else the last one used', async ({ page }) => {
  const tiny = await downloadStoriesThenTiny(page)
  // The last one used comes back.
  await page.reload()
  await expect(tiny.getByTestId('model-state')).toHaveText('Loaded')
  // Settings names stories260K: the next opening loads it, although tiny was used last.
  await setSetting(page, 'setting-model-id', 'local/models/stories260K.gguf')
  await page.reload()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await expect(tiny.getByTestId('model-state')).toHaveText('Downloaded')
})

test('a context larger than the model and the device allow is reduced, and the user is told', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setSetting(page, 'setting-n-ctx', '16000000')
  await reloadAndWaitLoaded(page)
  await openPerformance(page)
  // stories260K was trained on 2048 tokens.
  await expect(page.getByTestId('engine-note').filter({ hasText: 'context was reduced from 16000000 to 2048 tokens: the model was trained on 2048 tokens' })).toHaveCount(1)
  await expect(page.getByTestId('engine-backend')).toContainText('context 2048 tokens')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
})

test('memory: the browser measures the page and its workers, and the loaded model shows its estimate', async ({ page }) => {
  await openApp(page)
  await openPerformance(page)
  await page.getByTestId('measure-memory').click()
  const measured = page.getByTestId('measured-memory')
  await expect(measured).toBeVisible()
  expect(Number(await measured.getAttribute('data-bytes'))).toBeGreaterThan(0)

  await downloadStories(page)
  await openPerformance(page)
  await expect(page.getByTestId('engine-memory')).toContainText(/Model needs about \d\.\d MiB/)
  // With wllama inside WebAssembly the browser may not finish; the UI must come back either way.
  await page.getByTestId('measure-memory').click()
  await expect(page.getByTestId('measure-memory')).toHaveText('Measure memory', { timeout: 20_000 })
  await expect(page.getByTestId('measured-memory').or(page.getByTestId('memory-error'))).toBeVisible()
})

test('switching models unloads the first: one model is loaded at a time', async ({ page }) => {
  await downloadStoriesThenTiny(page)
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Downloaded')
  await expect(page.locator('[data-testid=model-state]', { hasText: /^Loaded$/ })).toHaveCount(1)
  // Back to stories: the greedy story again, from the model that was unloaded.
  await storiesCard(page).getByTestId('load').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await setGreedy(page)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)
})
