/**
 * The keyboard (issue 16 item 8): Ctrl/Cmd+K starts a new chat, / goes to the message box, Esc stops an answer,
 * arrow keys work the model picker and the Settings tabs, Esc closes every drawer and gives the focus back.
 */
import { expect, test } from '@playwright/test'
import { ask, downloadStories, openApp, openChat, setGreedy, startLongAnswer } from './helpers'

const messages = '[data-testid=chat-message]'

test('Ctrl/Cmd+K starts a new chat and / goes to the message box from anywhere outside a field', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 8)
  await ask(page, 'Once upon a time')
  await expect(page.locator(messages)).toHaveCount(2)
  await page.getByTestId('open-settings').focus()
  await page.keyboard.press('ControlOrMeta+k')
  await expect(page.locator(messages)).toHaveCount(0)
  await expect(page.getByTestId('prompt')).toBeFocused()
  // The earlier conversation is kept in the list.
  await expect(page.locator('#conversations').getByTestId('open-conversation').filter({ hasText: 'Once upon a time' })).toHaveCount(1)

  await page.getByTestId('toggle-sidebar').focus()
  await page.keyboard.press('/')
  await expect(page.getByTestId('prompt')).toBeFocused()
  await expect(page.getByTestId('prompt')).toHaveValue('')
  // In a text field / is just a character.
  await page.keyboard.type('a/b')
  await expect(page.getByTestId('prompt')).toHaveValue('a/b')
})

test('Esc stops an answer and keeps what was written', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await startLongAnswer(page)
  await expect(page.getByTestId('send')).toBeHidden()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('send')).toBeVisible()
  const answer = page.locator(`${messages}[data-role=assistant]`).last()
  await expect(answer.getByTestId('message-content')).not.toHaveText(/^\s*$/)
})

test('arrow keys move the model picker\'s highlight only and Enter chooses; arrow keys move through the Settings tabs', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  const picker = page.getByTestId('model-picker')
  await expect(picker).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
  await picker.focus()
  // The option after the only downloaded model is "Get more models…": passing over it with the arrows opens nothing.
  await page.keyboard.press('ArrowDown')
  await expect(picker).toHaveValue('more')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowDown')
  await expect(picker).toHaveValue('more')
  await expect(page).not.toHaveURL(/\/models$/)
  await expect(picker).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
  // Esc puts the current choice back; Enter on the highlighted option chooses it.
  await page.keyboard.press('Escape')
  await expect(picker).toHaveValue('local:local/models/stories260K.gguf')
  await page.keyboard.press('End')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(/\/models$/)
  await openChat(page)
  await page.getByTestId('open-settings').click()
  await page.getByRole('tab', { name: 'General' }).focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.getByRole('tab', { name: 'Model and generation' })).toBeFocused()
  await expect(page.getByRole('tab', { name: 'Model and generation' })).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('End')
  await expect(page.getByRole('tab', { name: 'Advanced' })).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('ArrowRight')
  await expect(page.getByRole('tab', { name: 'General' })).toBeFocused()
})

test('Esc closes Settings and Help and gives the focus back to the button that opened them', async ({ page }) => {
  await openApp(page)
  for (const [opener, drawer] of [['open-settings', 'settings-drawer'], ['open-help', 'help-panel']] as const) {
    await page.getByTestId(opener).focus()
    await page.keyboard.press('Enter')
    await expect(page.getByTestId(drawer)).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(page.getByTestId(drawer)).toBeHidden()
    await expect(page.getByTestId(opener)).toBeFocused()
    await expect(page).toHaveURL(/\/$/)
  }
})

test.describe('on a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } })

  test('Esc closes the conversations drawer and gives the focus back to its button', async ({ page }) => {
    await openApp(page)
    const toggle = page.getByTestId('toggle-sidebar')
    await toggle.click()
    await expect(page.locator('#conversations')).toBeVisible()
    await page.locator('#conversations').getByRole('button').first().focus()
    await page.keyboard.press('Escape')
    await expect(page.locator('#conversations')).toBeHidden()
    await expect(toggle).toHaveAttribute('aria-expanded', 'false')
    await expect(toggle).toBeFocused()
  })
})
