import { expect, type Locator, type Page } from '@playwright/test'
import { storageName } from '../../src/models/storage-name'

export const storiesCard = (page: Page, file = 'stories260K.gguf') =>
  page.locator(`[data-testid=model-card][data-model-id="local/models/${file}"]`)

/** The app is up: server config read and the worker answered. */
export async function openApp(page: Page, path = '/'): Promise<void> {
  await page.goto(path)
  // Attached, not visible: phones leave the threads label out of the header.
  await expect(page.getByTestId('worker-isolated')).toBeAttached()
}

/** Opens the Models screen (the library) from the header, unless it is showing. */
export async function openModels(page: Page): Promise<void> {
  const panel = page.getByRole('region', { name: 'Models' })
  if (!await panel.isVisible())
    await page.getByTestId('nav-models').click()
  await expect(panel).toBeVisible()
}

/** Goes back to the chat from any screen (the header's title), unless the composer is showing. */
export async function openChat(page: Page): Promise<void> {
  const prompt = page.getByTestId('prompt')
  if (!await prompt.isVisible())
    await page.getByTestId('nav-chat').click()
  await expect(prompt).toBeVisible()
}

/** Opens the Performance screen (engine, metrics, threads, memory) from the status chip. */
export async function openPerformance(page: Page): Promise<void> {
  const engine = page.getByTestId('engine-status')
  if (!await engine.isVisible())
    await page.getByTestId('status-chip').click()
  await expect(engine).toBeVisible()
}

/** Opens the settings drawer from the header (if it is not open yet). */
export async function openSettings(page: Page): Promise<void> {
  const drawer = page.getByTestId('settings-drawer')
  if (!await drawer.isVisible())
    await page.getByTestId('open-settings').click()
  await expect(drawer).toBeVisible()
}

/** Closes the settings drawer with Esc, as a keyboard user would. */
export async function closeSettings(page: Page): Promise<void> {
  const drawer = page.getByTestId('settings-drawer')
  if (await drawer.isVisible())
    await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  // Esc closes the drawer with history.back(): wait until that navigation is over, or a reload right after it is
  // aborted (ERR_ABORTED, seen in engine.spec.ts on this branch).
  await expect(page).not.toHaveURL(/\/settings(?:[?#]|$)/)
}

/**
 * Opens Settings on the tab that holds the control with this test id (every tab's controls are in the page, hidden
 * until their tab is chosen) and returns the control.
 */
export async function showSetting(page: Page, testId: string): Promise<Locator> {
  await openSettings(page)
  const field = page.getByTestId(testId).first()
  const tabId = await field.evaluate(el => el.closest('[role=tabpanel]')?.getAttribute('aria-labelledby') ?? '')
  if (tabId)
    await page.locator(`[id="${tabId}"]`).click()
  await expect(field).toBeVisible()
  return field
}

export async function setGreedy(page: Page, maxTokens = 64): Promise<void> {
  await showSetting(page, 'setting-temperature')
  await page.getByTestId('setting-temperature').fill('0')
  await page.getByTestId('setting-max-tokens').fill(String(maxTokens))
  await closeSettings(page)
}

/** Sends a prompt and waits for the answer to finish; returns its text. */
export async function ask(page: Page, prompt: string): Promise<string> {
  const answers = page.locator('[data-testid=chat-message][data-role=assistant]')
  await openChat(page)
  const before = await answers.count()
  await page.getByTestId('prompt').fill(prompt)
  await page.getByTestId('send').click()
  await expect(answers).toHaveCount(before + 1)
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 60_000 })
  return (await answers.last().getByTestId('message-content').textContent()) ?? ''
}

/**
 * The OPFS name of a stored model's file (src/models/storage-name.ts): computed here from the revision the manifest
 * recorded, so a test also checks the naming contract.
 */
export async function opfsNameOf(page: Page, repo: string, file: string): Promise<string> {
  const revision = await page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('local-ai-models')
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    return new Promise<string | undefined>((resolve, reject) => {
      const get = db.transaction('manifest').objectStore('manifest').get(id)
      get.onsuccess = () => resolve((get.result as { revision?: string } | undefined)?.revision)
      get.onerror = () => reject(get.error)
    })
  }, `${repo}/${splitFirst(file)}`)
  if (!revision)
    throw new Error(`No manifest entry for ${repo}/${file}`)
  return storageName({ repo, revision, file })
}

/** The first part's name of a split GGUF (the manifest's key), else the name itself. */
function splitFirst(file: string): string {
  return file.replace(/-\d{5}-of-(\d{5})\.gguf$/, '-00001-of-$1.gguf')
}

/** Names of the files in the app's OPFS models folder. */
export async function opfsModelFiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory()
    const dir = await root.getDirectoryHandle('models', { create: true })
    const names: string[] = []
    for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys())
      names.push(key)
    return names
  })
}

/** Downloads the default model (stories260K) on the Models screen, waits until it is loaded, and goes back to chat. */
export async function downloadStories(page: Page): Promise<void> {
  await openModels(page)
  const card = storiesCard(page)
  await card.getByTestId('download').click()
  // Loading measures the thread count: slow on a busy machine.
  await expect(card.getByTestId('model-state')).toHaveText('Loaded', { timeout: 60_000 })
  await openChat(page)
}

/** The model the header's picker shows as loaded, e.g. 'local/models/stories260K.gguf' ('' for none). */
export const loadedModel = (page: Page) => page.getByTestId('model-picker')

/** Opens Settings, fills one field by its test id, and closes the drawer again. */
export async function setSetting(page: Page, testId: string, value: string): Promise<void> {
  const field = await showSetting(page, testId)
  if (await field.evaluate(el => el.tagName === 'SELECT'))
    await field.selectOption(value)
  else
    await field.fill(value)
  await closeSettings(page)
}

/** Reloads the page; the app reloads the last model from OPFS with the current settings. */
export async function reloadAndWaitLoaded(page: Page): Promise<void> {
  await page.reload()
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', /stories260K\.gguf$/, { timeout: 60_000 })
}

/** Starts a long answer and waits until tokens are streaming. */
export async function startLongAnswer(page: Page): Promise<void> {
  await setSetting(page, 'setting-max-tokens', '4000')
  await setSetting(page, 'setting-temperature', '1')
  await openChat(page)
  await page.getByTestId('prompt').fill('Once upon a time')
  await page.getByTestId('send').click()
  const answer = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(answer.getByTestId('message-content')).not.toHaveText(/^\s*▍?\s*$/)
}

/**
 * Sends each of `prompts` in turn (a new chat before each retry) and presses Stop while its reply is being written;
 * returns the stopped reply. A model can end a reply at any moment, also between "still streaming" and the click
 * (the landing CI of 41d6e3b waited 10 min on a Stop button that had gone with the finished reply), so a reply that
 * ends first is left and the next prompt is tried. `stoppedInTime`, when given, says whether a reply the page shows as
 * stopped was still being generated when Stop was pressed (a server can have sent its last token while the page was
 * still drawing the stream); when it says no, the next prompt is tried too.
 * @throws Error when every reply ended before Stop could be pressed
 */
export async function stopMidAnswer(page: Page, prompts: string[], stoppedInTime = async () => true): Promise<Locator> {
  const answers = page.locator('[data-testid=chat-message][data-role=assistant]')
  for (const prompt of prompts) {
    const before = await answers.count()
    await page.getByTestId('prompt').fill(prompt)
    await page.getByTestId('send').click()
    await expect(answers).toHaveCount(before + 1)
    const reply = answers.last()
    await expect(reply.getByTestId('message-content')).toHaveText(/[^\s▍]/, { timeout: 120_000 })
    await page.getByTestId('stop').click({ timeout: 5_000 }).catch(() => { /* the reply ended first */ })
    await expect(reply).toHaveAttribute('data-status', /^(done|error|stopped)$/, { timeout: 120_000 })
    if (await reply.getAttribute('data-status') === 'stopped' && await stoppedInTime())
      return reply
    await page.getByTestId('new-conversation').click()
  }
  throw new Error('Every reply ended before Stop could be pressed: nothing was stopped mid-answer.')
}

/** Top-level entries of this origin's OPFS. */
export async function opfsRootEntries(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory()
    const names: string[] = []
    for await (const key of (root as unknown as { keys(): AsyncIterable<string> }).keys())
      names.push(key)
    return names.sort()
  })
}

/**
 * Reloads once the service worker serves the page with `origins` in its CSP connect-src (a new backend address is
 * only reachable after that). On the first visit the page is not controlled yet, so it is reloaded first.
 */
export async function reloadUnderNewCsp(page: Page, origins: string[]): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready)
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null))
    await page.reload()
  for (const origin of origins)
    await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain(origin)
}

/**
 * Reloads once the service worker's CSP lets the page reach `origin` (saved settings reach the CSP on the next load;
 * only a controlled page's fetch goes through the worker, so the first visit reloads once more).
 */

/** reloadUnderNewCsp for one origin, then one more reload so this page itself runs under the new policy. */
export async function reloadUnderCspFor(page: Page, origin: string): Promise<void> {
  await reloadUnderNewCsp(page, [origin])
  await page.reload()
}
