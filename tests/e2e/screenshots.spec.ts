/**
 * Screenshots of the main screens, attached to the test report as artifacts (playwright-report/, test-results/).
 * With README_SCREENSHOT=1 the 1280 x 800 run also writes the README's picture, docs/images/app.png (light theme,
 * stories260K loaded, a short reply), so it can be refreshed with the same steps:
 *   npx vite build && README_SCREENSHOT=1 npx playwright test tests/e2e/screenshots.spec.ts --project chromium -g 1280
 */
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
      await page.emulateMedia({ colorScheme: 'light' })
      await openApp(page)
      await downloadStories(page)
      await setGreedy(page, 40)
      await ask(page, 'Once upon a time')
      if (process.env.README_SCREENSHOT && viewport.width === 1280)
        await page.screenshot({ path: 'docs/images/app.png', animations: 'disabled' })
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
