/**
 * axe-core finds no serious or critical accessibility problem (colour contrast included) on the main view, the model
 * library mid-download, the open drawer or the help panel, in the light and the dark theme.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { ask, openApp, openSettings, setGreedy, storiesCard } from './helpers'
import { NOT_GGUF } from './models-fixture'

async function seriousViolations(page: Page, include?: string) {
  let builder = new AxeBuilder({ page })
  if (include)
    builder = builder.include(include)
  const { violations } = await builder.analyze()
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join('; ')})`)
}

/** Slows the page's network so a download stays on screen (its progress bar and stats) long enough to check. */
async function throttle(page: Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: -1 })
}

// Every panel in both themes, colour contrast included: the first-run view, the model library mid-download (cards,
// storage bar, progress), the whole page with the model loaded and a chat reply, an error notice, the drawer, help.
for (const scheme of ['light', 'dark'] as const) {
  test(`no serious or critical violations, ${scheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme })
    await openApp(page)
    await expect(page.getByTestId('first-run')).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])
    await throttle(page, 64 * 1024)
    await storiesCard(page).getByTestId('download').click()
    await expect(storiesCard(page).getByTestId('download-stats')).toHaveText(/ · [1-9]\d?% · /)
    await expect(page.getByTestId('storage-bar')).toBeVisible()
    expect(await seriousViolations(page, '.model-panel')).toEqual([])
    await throttle(page, -1)
    // A first load measures the thread count with several loads: slow on a busy machine.
    await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded', { timeout: 90_000 })
    await setGreedy(page, 16)
    await ask(page, 'Once upon a time')
    expect(await seriousViolations(page)).toEqual([])
    await storiesCard(page, NOT_GGUF).getByTestId('download').click()
    await expect(page.getByTestId('error').first()).toHaveAttribute('data-code', 'invalid_model_file')
    expect(await seriousViolations(page, '[data-testid=error]')).toEqual([])
    await openSettings(page)
    expect(await seriousViolations(page, '[data-testid=settings-drawer]')).toEqual([])
    await page.keyboard.press('Escape')
    await page.getByTestId('open-help').click()
    await expect(page.getByTestId('help-panel')).toBeVisible()
    expect(await seriousViolations(page, '[data-testid=help-panel]')).toEqual([])
  })
}
