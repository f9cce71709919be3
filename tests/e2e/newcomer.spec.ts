/**
 * What a newcomer met on a first try (issue 16, second round), on the built app with the real worker and models:
 * one local model choice shared by the header and Settings, a download that does not switch the chat's model, a
 * reply stopped before any text, the edit box, and sidebar titles clamped to two clean lines.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { ask, closeSettings, downloadStories, openApp, openModels, setGreedy, showSetting, storiesCard } from './helpers'
import { TINY } from './models-fixture'

const STORIES_ID = 'local/models/stories260K.gguf'
const TINY_ID = `local/models/${TINY}`
const picker = (page: Page) => page.getByTestId('model-picker')
/** A screenshot kept in the test's output folder (test-results/<port>/...), to look at. */
async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}
const optionTexts = (select: ReturnType<Page['getByTestId']>) => select.locator('option').allTextContents().then(t => t.map(s => s.trim()))

test('Settings offers only downloaded models and agrees with the header; a second download does not switch; a delete leaves one entry per model', async ({ page }, testInfo) => {
  await openApp(page)
  await downloadStories(page)
  await openModels(page)
  const tiny = storiesCard(page, TINY)
  await tiny.getByTestId('download').click()
  // Stored and offered, not switched to: the chosen model stays loaded.
  await expect(tiny.getByTestId('model-state')).toHaveText('Downloaded')
  await expect(tiny.getByTestId('load')).toHaveText('Use this model')
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  await expect(picker(page)).toHaveValue(`local:${STORIES_ID}`)

  // Settings lists what can answer now (the two downloaded models, not the catalog) and shows the header's model.
  const field = await showSetting(page, 'setting-model-id')
  expect((await optionTexts(field)).sort()).toEqual(['llama-2-tiny-random', 'stories260K'])
  await expect(field).toHaveValue(STORIES_ID)
  await expect(page.getByTestId('setting-get-models')).toBeVisible()
  await shot(page, testInfo, 'settings-model-1280')
  // Picking one loads it now: the header follows, and no banner asks for a reload.
  await field.selectOption(TINY_ID)
  await expect(picker(page)).toHaveAttribute('data-loaded', TINY_ID, { timeout: 60_000 })
  await expect(picker(page)).toHaveValue(`local:${TINY_ID}`)
  await expect(field).toHaveValue(TINY_ID)
  await expect(page.getByTestId('reload-notice')).toHaveCount(0)
  await closeSettings(page)

  // Delete the loaded model: each model once, and nothing claims to be loaded.
  await openModels(page)
  await tiny.getByTestId('delete').click()
  await page.getByTestId('confirm-action').click()
  await expect(tiny.getByTestId('model-state')).toHaveText('Not downloaded')
  await expect.poll(() => optionTexts(picker(page))).toEqual(['Choose a model', 'stories260K', 'Get more models…'])
  await expect(picker(page)).toHaveAttribute('data-loaded', '')
  // Deleting one that is not loaded: it leaves the list, the chosen one stays.
  await storiesCard(page).getByTestId('load').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')
  // The focus stays in the card (its next button), not on the page's body with the gone Use this model.
  await expect(storiesCard(page).getByTestId('verify')).toBeFocused()
  await expect.poll(() => optionTexts(picker(page))).toEqual(['stories260K', 'Get more models…'])
  const field2 = await showSetting(page, 'setting-model-id')
  await expect(field2).toHaveValue(STORIES_ID)
  await closeSettings(page)
})

test('Esc before the first token: the reply says it was stopped before any answer, with Retry', async ({ page }, testInfo) => {
  await openApp(page)
  // A first visit: the first message downloads and loads the recommended model, so no token comes for a while.
  const prompt = page.getByTestId('prompt')
  await prompt.fill('What is the capital of France?')
  await prompt.press('Enter')
  await expect(page.getByTestId('stop')).toBeVisible()
  await page.keyboard.press('Escape')
  const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(reply).toHaveAttribute('data-status', 'stopped')
  await expect(reply.getByTestId('empty-reply')).toHaveText('Stopped before any answer.')
  await expect(reply.getByTestId('regenerate')).toHaveText('Retry')
  await expect(reply.getByTestId('copy-message')).toHaveCount(0)
  await shot(page, testInfo, 'stopped-before-any-answer-1280')
})

for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  test(`the edit box takes the message's width and font, and sidebar titles clamp to two clean lines (${viewport.width} px)`, async ({ page }, testInfo) => {
    await page.setViewportSize(viewport)
    await openApp(page)
    await downloadStories(page)
    await setGreedy(page, 8)
    await ask(page, 'Once upon a time there was a little girl who lived with her dog in a house by the big forest')
    // At temperature 0 a regenerated reply is the same text: the reply says why and what to change.
    await page.getByTestId('regenerate').click()
    const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
    await expect(reply.getByTestId('version-label')).toHaveText('2/2')
    await expect(reply).toHaveAttribute('data-status', 'done')
    await expect(reply.getByTestId('reply-notice')).toHaveAttribute('data-code', 'same_answer')
    await expect(reply.getByTestId('reply-notice')).toContainText('temperature')
    await shot(page, testInfo, `same-answer-${viewport.width}`)

    const question = page.locator('[data-testid=chat-message][data-role=user]').first()
    await question.getByTestId('edit').click()
    const box = question.getByTestId('edit-text')
    await expect(box).toBeFocused()
    const sizes = await box.evaluate((el) => {
      const list = el.closest('ol, ul')!.getBoundingClientRect()
      const font = getComputedStyle(el).fontFamily
      const box = el.getBoundingClientRect()
      return { width: box.width, listWidth: list.width, font, pageFont: getComputedStyle(document.body).fontFamily, height: box.height, isOnScreen: box.left >= list.left && box.right <= Math.min(list.right, window.innerWidth) }
    })
    expect(sizes.font).toBe(sizes.pageFont)
    expect(sizes.font).not.toMatch(/monospace/)
    // As wide as a message may be (48rem) or the list allows, whichever is less: not the textarea's 20 columns.
    expect(sizes.width).toBeGreaterThan(Math.min(48 * 16, sizes.listWidth) * 0.8)
    // Inside the message list on both sides (a bubble wider than the list overflowed to the left at 360 px).
    expect(sizes.isOnScreen).toBe(true)
    // It grows with its text.
    await box.fill(Array.from({ length: 8 }, (_, i) => `Line ${i + 1}`).join('\n'))
    await expect.poll(() => box.evaluate(el => el.getBoundingClientRect().height)).toBeGreaterThan(sizes.height * 2)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await shot(page, testInfo, `edit-box-${viewport.width}`)
    await page.keyboard.press('Escape')

    // A long title: two lines, and nothing of a third line shows under them.
    const item = page.getByTestId('conversation').first()
    if (!await item.isVisible())
      await page.getByTestId('toggle-sidebar').click()
    await item.hover()
    await item.getByTestId('rename').click()
    await page.getByTestId('rename-input').fill('A very long conversation title that goes on and on about the little girl, her dog and the big forest')
    await page.getByTestId('rename-save').click()
    const open = page.getByTestId('open-conversation').first()
    await expect(open).toContainText('A very long conversation title')
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      const clip = await open.evaluate((button) => {
        // The box that clips: the button itself or the element inside it that carries the line clamp.
        const clamped = [button, ...button.querySelectorAll('*')].find(el => getComputedStyle(el).webkitLineClamp !== 'none') as HTMLElement
        const style = getComputedStyle(clamped)
        return {
          padding: Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom),
          height: clamped.clientHeight,
          lineHeight: Number.parseFloat(style.lineHeight),
          isCut: clamped.scrollHeight > clamped.clientHeight,
        }
      })
      expect(clip.isCut).toBe(true)
      // Clipped exactly at the end of the second line: no padding below it where a third line would show.
      expect(clip.padding).toBe(0)
      expect(Math.abs(clip.height - 2 * clip.lineHeight)).toBeLessThanOrEqual(1)
      await page.getByTestId('conversation').first().hover()
      await shot(page, testInfo, `sidebar-${viewport.width}-${scheme}`)
    }
    await page.emulateMedia({ colorScheme: 'light' })
    // Settings' model choice on this screen size: the downloaded model and the way to the library.
    await expect(await showSetting(page, 'setting-model-id')).toHaveValue(STORIES_ID)
    await shot(page, testInfo, `settings-model-${viewport.width}`)
    await closeSettings(page)
  })
}
