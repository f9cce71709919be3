/** axe-core finds no serious or critical accessibility problem on the main view, the open drawer or the help panel. */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { downloadStories, openApp, openSettings } from './helpers'

async function seriousViolations(page: Page, include?: string, exclude: string[] = []) {
  let builder = new AxeBuilder({ page })
  if (include)
    builder = builder.include(include)
  for (const e of exclude)
    builder = builder.exclude(e)
  const { violations } = await builder.analyze()
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join('; ')})`)
}

/**
 * The chat and model panels are being rebuilt by their owners and still hard-code light colours; in the dark theme
 * they are left out until they use the theme variables (--fg, --bg, --muted, ... in App.vue).
 */
const NOT_THEMED_YET: Record<'light' | 'dark', string[]> = { light: [], dark: ['.model-panel', '.chat-panel'] }

for (const scheme of ['light', 'dark'] as const) {
  test(`no serious or critical violations, ${scheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme })
    await openApp(page)
    await downloadStories(page)
    expect(await seriousViolations(page, undefined, NOT_THEMED_YET[scheme])).toEqual([])
    await openSettings(page)
    expect(await seriousViolations(page, '[data-testid=settings-drawer]')).toEqual([])
    await page.keyboard.press('Escape')
    await page.getByTestId('open-help').click()
    await expect(page.getByTestId('help-panel')).toBeVisible()
    expect(await seriousViolations(page, '[data-testid=help-panel]')).toEqual([])
  })
}
