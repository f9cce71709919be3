/**
 * What the newcomer met in the chat's side (report items 7, 9, 12): the edit box of an earlier message opens in view
 * and focused, the sidebar's rename field keeps its Save inside the sidebar at 1280 and 360 px, and narrowing the
 * window from 1280 to 360 px leaves the conversations drawer closed. On the built app; the chat is an import, so no
 * model is needed. Screenshots go to the test's output folder, to look at.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { openApp } from './helpers'

const PHONE = { width: 360, height: 740 }
const DESKTOP = { width: 1280, height: 800 }

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}

/** Imports one conversation of `turns` long question-and-answer pairs and opens it. */
async function importLongChat(page: Page, turns: number): Promise<void> {
  const now = Date.now()
  const messages = Array.from({ length: turns }, (_, i) => [
    { id: `q${i}`, role: 'user', content: `Question ${i}: and of Germany?`, status: 'done', createdAt: now + 2 * i },
    { id: `a${i}`, role: 'assistant', content: `Answer ${i}.\n\n${'It rains a lot in autumn, and the wind is strong. '.repeat(6)}`, status: 'done', createdAt: now + 2 * i + 1 },
  ]).flat()
  const file = Buffer.from(JSON.stringify({
    format: 'local-ai-conversations',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    conversations: [{ id: 'long', title: 'A long talk about the weather in autumn', createdAt: now, updatedAt: now, messages }],
  }))
  await page.getByTestId('import-conversations').setInputFiles({ name: 'long.json', mimeType: 'application/json', buffer: file })
  await page.locator('[data-testid=conversation][data-title^="A long talk"]').getByTestId('open-conversation').click()
  await expect(page.locator('[data-testid=chat-message]')).toHaveCount(2 * turns)
}

test('editing an earlier message opens its edit box in view and focused', async ({ page }, testInfo) => {
  await page.setViewportSize(DESKTOP)
  await openApp(page)
  await importLongChat(page, 12)
  // The chat follows its end. The earlier question edited is the topmost one whose Edit shows (as in the report):
  // its box, wider and taller than the question, grew the chat, and following the end pushed it above the view.
  const index = await page.evaluate(() => {
    const top = document.querySelector('.scroller')!.getBoundingClientRect().top
    const edits = [...document.querySelectorAll('[data-testid=chat-message][data-role=user] [data-testid=edit]')]
    return edits.findIndex(e => e.getBoundingClientRect().top >= top)
  })
  expect(index).toBeGreaterThan(0)
  await page.locator('[data-testid=chat-message][data-role=user]').nth(index).getByTestId('edit').click()
  const box = page.getByTestId('edit-text')
  await expect(box).toBeFocused()
  await expect(box).toBeInViewport({ ratio: 1 })
  await expect(page.getByTestId('edit-send')).toBeInViewport()
  await shot(page, testInfo, 'edit-open-1280')
})

test('rename keeps Save inside the sidebar, at 1280 and 360 px', async ({ page }, testInfo) => {
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size)
    await openApp(page)
    if (size === DESKTOP)
      await importLongChat(page, 1)
    else
      await page.getByTestId('toggle-sidebar').click()
    const row = page.locator('[data-testid=conversation][data-title^="A long talk"]')
    await row.getByTestId('rename').click()
    await expect(row.getByTestId('rename-input')).toBeFocused()
    const sidebar = await page.locator('#conversations').boundingBox()
    const save = await row.getByTestId('rename-save').boundingBox()
    expect(save!.x + save!.width).toBeLessThanOrEqual(sidebar!.x + sidebar!.width)
    await shot(page, testInfo, `rename-${size.width}`)
    await page.keyboard.press('Escape')
    await expect(row.getByTestId('rename')).toBeFocused()
  }
})

test('narrowing the window from 1280 to 360 px leaves the conversations drawer closed', async ({ page }, testInfo) => {
  await page.setViewportSize(DESKTOP)
  await openApp(page)
  await expect(page.locator('#conversations')).toBeVisible()
  await page.setViewportSize(PHONE)
  await expect(page.locator('#conversations')).toBeHidden()
  await expect(page.getByTestId('prompt')).toBeInViewport()
  await shot(page, testInfo, 'resized-360')
  await page.getByTestId('toggle-sidebar').click()
  await expect(page.getByTestId('new-conversation')).toBeFocused()
  await shot(page, testInfo, 'drawer-open-360')
})
