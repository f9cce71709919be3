/** Screenshots of the main screens, attached to the test report as artifacts (playwright-report/, test-results/). */
import { expect, test, type Locator, type Page } from '@playwright/test'
import { ask, downloadStories, openApp, openSettings, setGreedy, storiesCard } from './helpers'
import { NOT_GGUF } from './models-fixture'

for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  test.describe(`${viewport.width} x ${viewport.height}`, () => {
    test.use({ viewport })

    test('chat, settings drawer, model library and an error state', async ({ page }, testInfo) => {
      const shot = async (name: string, target: Locator | Page = page.locator('body')) => {
        const body = await target.screenshot({ animations: 'disabled' })
        expect(body.length).toBeGreaterThan(1000)
        await testInfo.attach(`${name}-${viewport.width}`, { body, contentType: 'image/png' })
      }
      await openApp(page)
      await downloadStories(page)
      await setGreedy(page)
      await ask(page, 'Once upon a time')
      await shot('chat')
      await shot('model-library', page.getByRole('region', { name: 'Models' }))
      await openSettings(page)
      await shot('settings-drawer', page) // the modal drawer fills the viewport
      await page.keyboard.press('Escape')
      await storiesCard(page, NOT_GGUF).getByTestId('download').click()
      await expect(page.getByTestId('error').first()).toHaveAttribute('data-code', 'invalid_model_file')
      await page.getByTestId('error').first().scrollIntoViewIfNeeded()
      await shot('error-state')
    })
  })
}
