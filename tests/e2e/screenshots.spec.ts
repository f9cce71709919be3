/**
 * Screenshots of every screen at 1280 x 800 and 360 x 740, light and dark, written to docs/images/screens/
 * (<screen>-<width>-<theme>.png) and attached to the test report. The 1280 light chat with a reply is also the README's
 * picture, docs/images/app.png. Refresh them all with:
 *   npx vite build && npx playwright test tests/e2e/screenshots.spec.ts --project chromium
 */
import { mkdir } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { ask, downloadStories, openApp, openChat, openModels, openPerformance, openSettings, setGreedy, storiesCard } from './helpers'
import { NOT_GGUF } from './models-fixture'

const DIR = 'docs/images/screens'

for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  for (const theme of ['light', 'dark'] as const) {
    test.describe(`${viewport.width} x ${viewport.height}, ${theme}`, () => {
      test.use({ viewport, colorScheme: theme })

      test('every screen: first run, chat, conversations, models, settings (two groups), performance, help, an error', async ({ page }, testInfo) => {
        await mkdir(DIR, { recursive: true })
        const shot = async (name: string) => {
          const path = `${DIR}/${name}-${viewport.width}-${theme}.png`
          const body = await page.screenshot({ path, animations: 'disabled' })
          expect(body.length).toBeGreaterThan(1000)
          await testInfo.attach(`${name}-${viewport.width}-${theme}`, { body, contentType: 'image/png' })
        }
        await openApp(page)
        await expect(page.getByTestId('chat-empty')).toBeVisible()
        await shot('first-run')
        await downloadStories(page)
        await setGreedy(page, 40)
        await ask(page, 'Once upon a time')
        await ask(page, 'Lily went')
        await page.getByTestId('prompt').blur()
        await shot('chat')
        if (viewport.width === 1280 && theme === 'light')
          await page.screenshot({ path: 'docs/images/app.png', animations: 'disabled' })
        if (viewport.width < 768) {
          await page.getByTestId('toggle-sidebar').click()
          await expect(page.getByTestId('conversation').first()).toBeVisible()
          await shot('conversations')
          await page.getByTestId('toggle-sidebar').click()
        }
        await openSettings(page)
        await shot('settings')
        // The Model and generation group, with a refused value and its reason at the field.
        await page.getByRole('tab', { name: 'Model and generation' }).click()
        await page.getByTestId('setting-temperature').fill('5')
        await expect(page.getByTestId('setting-temperature-error')).toBeVisible()
        await shot('settings-generation')
        await page.getByTestId('setting-temperature').fill('0')
        await page.keyboard.press('Escape')
        await openPerformance(page)
        await shot('performance')
        await openChat(page)
        await page.getByTestId('open-help').click()
        await expect(page.getByTestId('help-content')).toBeVisible()
        await shot('help')
        await page.keyboard.press('Escape')
        await openModels(page)
        await shot('models')
        await storiesCard(page, NOT_GGUF).getByTestId('download').click()
        await expect(page.getByTestId('error').first()).toHaveAttribute('data-code', 'invalid_model_file')
        await page.getByTestId('error').first().scrollIntoViewIfNeeded()
        await shot('error-state')
      })
    })
  }
}
