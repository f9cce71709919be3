import { expect, type Page } from '@playwright/test'

export const storiesCard = (page: Page, file = 'stories260K.gguf') =>
  page.locator(`[data-testid=model-card][data-model-id="local/models/${file}"]`)

/** The app is up: server config read and the worker answered. */
export async function openApp(page: Page): Promise<void> {
  await page.goto('/')
  await expect(page.getByTestId('worker-isolated')).toBeVisible()
}

export async function setGreedy(page: Page, maxTokens = 64): Promise<void> {
  const settings = page.locator('details.settings-form')
  if (await settings.getAttribute('open') === null)
    await settings.locator('summary').click()
  await page.getByTestId('setting-temperature').fill('0')
  await page.getByTestId('setting-max-tokens').fill(String(maxTokens))
}

/** Sends a prompt and waits for the answer to finish; returns its text. */
export async function ask(page: Page, prompt: string): Promise<string> {
  const answers = page.locator('[data-testid=chat-message][data-role=assistant]')
  const before = await answers.count()
  await page.getByTestId('prompt').fill(prompt)
  await page.getByTestId('send').click()
  await expect(answers).toHaveCount(before + 1)
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 60_000 })
  return (await answers.last().getByTestId('message-content').textContent()) ?? ''
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
