/**
 * Issue 18 items 7 and 8 in the app, on the real parts (SmolLM2-135M-Instruct from the mirror, wllama in the worker,
 * a 256-token context): half an emoji is answered; a message that cannot fit says so with its numbers and the chat
 * goes on; a chat longer than the context keeps being answered, and the reply says its oldest messages were left out.
 * Before: "Invalid typed array length", then "the model failed... reload the model" on every later turn.
 */
import { expect, test, type Page } from '@playwright/test'
import { closeSettings, openApp, openSettings, setSetting, showSetting } from './helpers'

const answers = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]')

/** Sends `text` (set in the page, so a lone surrogate reaches the app as typed) and waits for the reply to settle. */
async function send(page: Page, text: string, timeout = 110_000): Promise<{ status: string | null, content: string }> {
  const before = await answers(page).count()
  await page.getByTestId('prompt').evaluate((el, t) => {
    const box = el as HTMLTextAreaElement
    box.value = t.replace('<HALF-EMOJI>', String.fromCharCode(0xD83D))
    box.dispatchEvent(new Event('input', { bubbles: true }))
  }, text)
  await page.getByTestId('send').click()
  await expect(answers(page)).toHaveCount(before + 1)
  const last = answers(page).last()
  await expect(last).toHaveAttribute('data-status', /^(done|error|stopped)$/, { timeout })
  return { status: await last.getAttribute('data-status'), content: (await last.getByTestId('message-content').textContent()) ?? '' }
}

test('a long chat on a small context keeps being answered', async ({ page }) => {
  test.setTimeout(600_000) // two cores shared with other runs: prefill can fall to ~10 tokens/s
  await openApp(page)
  await setSetting(page, 'setting-n-ctx', '256')
  await setSetting(page, 'setting-tool-use', 'off')
  await openSettings(page)
  await showSetting(page, 'setting-temperature')
  await page.getByTestId('setting-temperature').fill('0')
  await page.getByTestId('setting-max-tokens').fill('16')
  await closeSettings(page)

  // Item 8: half an emoji, then an ordinary question in the same chat.
  expect((await send(page, 'hello <HALF-EMOJI>')).status).toBe('done')
  expect((await send(page, 'What is the capital of France?')).status).toBe('done')

  // Item 7: a message far over the context fails with its numbers and the choices...
  expect((await send(page, 'hello world '.repeat(1500))).status).toBe('error')
  await expect(page.getByTestId('error')).toContainText(/needs about \d+ tokens, but the model's context holds 256/)
  await expect(page.getByTestId('error')).toContainText('start a new chat')
  // ...and the chat goes on.
  expect((await send(page, 'What is the capital of Germany?')).status).toBe('done')

  // A chat longer than the context: every turn is answered, and the reply says what was left out.
  for (let i = 1; i <= 4; i++)
    expect((await send(page, `Note ${i}: ${'the quick brown fox jumps over the lazy dog. '.repeat(6)}`)).status).toBe('done')
  await expect(answers(page).last().getByTestId('reply-notice')).toHaveAttribute('data-code', 'history_trimmed')
  await expect(answers(page).last().getByTestId('reply-notice')).toContainText('no longer fit in the model\'s context (256 tokens)')
})

test('with "summarise older turns" a long chat keeps being answered, and the summary is shown and kept', async ({ page }) => {
  test.setTimeout(900_000) // each summary is one more request on two shared cores
  await openApp(page)
  await setSetting(page, 'setting-n-ctx', '256')
  await setSetting(page, 'setting-tool-use', 'off')
  await showSetting(page, 'setting-temperature')
  await page.getByTestId('setting-temperature').fill('0')
  await page.getByTestId('setting-max-tokens').fill('16')
  await (await showSetting(page, 'setting-history-policy')).selectOption('summarise')
  await closeSettings(page)

  // The first message downloads and loads the model: slow when other runs share the cores.
  expect((await send(page, 'hello', 400_000)).status).toBe('done')

  // From the second note on the chat outgrows the context: each turn first asks the model for a summary.
  for (let i = 1; i <= 3; i++)
    expect((await send(page, `Note ${i}: ${'the quick brown fox jumps over the lazy dog. '.repeat(6)}`, 300_000)).status).toBe('done')
  const summarised = answers(page).filter({ has: page.getByTestId('context-summary') })
  await expect(summarised.first().getByTestId('reply-notice')).toHaveAttribute('data-code', 'history_summarised')
  await expect(summarised.first().getByTestId('reply-notice')).toContainText('the model summarised')
  await summarised.first().getByTestId('context-summary').locator('summary').click()
  await expect(summarised.first().getByTestId('context-summary')).not.toHaveText(/^\s*Summary of earlier messages\s*$/)
  // The chat goes on after it, and the kept summary survives a reload.
  expect((await send(page, 'What is the capital of France?', 300_000)).status).toBe('done')
  await page.reload()
  await expect(answers(page).filter({ has: page.getByTestId('context-summary') }).first()).toBeVisible()
})
