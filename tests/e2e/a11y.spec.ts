/**
 * axe-core finds no serious or critical accessibility problem (colour contrast included) on every screen, in the light
 * and the dark theme: the first run (empty chat), the model library mid-download, the chat with a reply, an error
 * notice, each Settings group, Performance, each page of Help, and the conversations drawer on a phone; and nothing
 * scrolls sideways at 360 px on any of them.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { ask, openApp, openChat, openModels, openPerformance, openSettings, setGreedy, storiesCard } from './helpers'
import { NOT_GGUF } from './models-fixture'

async function seriousViolations(page: Page, include?: string) {
  let builder = new AxeBuilder({ page })
  if (include)
    builder = builder.include(include)
  const { violations } = await builder.analyze()
  return violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join('; ')})`)
}

/**
 * What scrolls sideways: the page, or any box that scrolls, except code blocks and tables (they scroll on purpose).
 * Each as a short description; [] when nothing does.
 */
function sidewaysScroll(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = document.scrollingElement!
    const out = doc.scrollWidth > doc.clientWidth ? [`page by ${doc.scrollWidth - doc.clientWidth}px`] : []
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const style = getComputedStyle(el)
      if (!['auto', 'scroll'].includes(style.overflowX) || el.closest('pre, table') || !el.getClientRects().length)
        continue
      if (el.scrollWidth > el.clientWidth + 1)
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} by ${el.scrollWidth - el.clientWidth}px`)
    }
    return out
  })
}

/** Slows the page's network so a download stays on screen (its progress bar and stats) long enough to check. */
async function throttle(page: Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: -1 })
}

/** Each Settings group and each Help page: axe on the open drawer, and no sideways scroll. */
async function checkDrawers(page: Page, where: string) {
  await openSettings(page)
  for (const tab of await page.getByRole('tab').all()) {
    await tab.click()
    const name = await tab.textContent()
    expect(await seriousViolations(page, '[data-testid=settings-drawer]'), `${where}: Settings, ${name}`).toEqual([])
    expect(await sidewaysScroll(page), `${where}: Settings, ${name}`).toEqual([])
  }
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('settings-drawer')).toBeHidden()
  await page.getByTestId('open-help').click()
  await expect(page.getByTestId('help-panel')).toBeVisible()
  for (const guide of await page.getByRole('navigation', { name: 'Guides' }).getByRole('button').all()) {
    await guide.click()
    const name = await guide.textContent()
    expect(await seriousViolations(page, '[data-testid=help-panel]'), `${where}: Help, ${name}`).toEqual([])
    expect(await sidewaysScroll(page), `${where}: Help, ${name}`).toEqual([])
  }
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('help-panel')).toBeHidden()
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.use({ colorScheme: scheme })

    test('first run, every Settings group and every Help page', async ({ page }) => {
      await openApp(page)
      await expect(page.getByTestId('first-run')).toBeVisible()
      expect(await seriousViolations(page), 'first run').toEqual([])
      await checkDrawers(page, 'first run')
    })

    test('the library mid-download, the chat with a reply, Performance, an error', async ({ page }) => {
      // A download, a first load that measures threads, and a reply: slow on a busy machine.
      test.slow()
      await openApp(page)
      await openModels(page)
      await throttle(page, 64 * 1024)
      await storiesCard(page).getByTestId('download').click()
      await expect(storiesCard(page).getByTestId('download-stats')).toHaveText(/ · [1-9]\d?% · /)
      await expect(page.getByTestId('storage-bar')).toBeVisible()
      expect(await seriousViolations(page), 'models, downloading').toEqual([])
      await throttle(page, -1)
      await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded', { timeout: 90_000 })
      await setGreedy(page, 16)
      await ask(page, 'Once upon a time')
      expect(await seriousViolations(page), 'chat with a reply').toEqual([])
      await openPerformance(page)
      expect(await seriousViolations(page), 'performance').toEqual([])
      await openModels(page)
      await storiesCard(page, NOT_GGUF).getByTestId('download').click()
      await expect(page.getByTestId('error').first()).toHaveAttribute('data-code', 'invalid_model_file')
      expect(await seriousViolations(page), 'models, with an error').toEqual([])
      await page.setViewportSize({ width: 360, height: 740 })
      await openChat(page)
      expect(await seriousViolations(page), 'phone: chat with a reply').toEqual([])
      expect(await sidewaysScroll(page), 'phone: chat with a reply').toEqual([])
    })

    test('on a phone: every screen and the conversations drawer, nothing scrolls sideways', async ({ page }) => {
      await page.setViewportSize({ width: 360, height: 740 })
      await openApp(page)
      expect(await seriousViolations(page), 'phone: chat').toEqual([])
      expect(await sidewaysScroll(page), 'phone: chat').toEqual([])
      await page.getByTestId('toggle-sidebar').click()
      await expect(page.locator('#conversations')).toBeVisible()
      expect(await seriousViolations(page, '#conversations'), 'phone: conversations drawer').toEqual([])
      expect(await sidewaysScroll(page), 'phone: conversations drawer').toEqual([])
      await page.keyboard.press('Escape')
      await expect(page.locator('#conversations')).toBeHidden()
      await openModels(page)
      expect(await seriousViolations(page), 'phone: models').toEqual([])
      expect(await sidewaysScroll(page), 'phone: models').toEqual([])
      await openPerformance(page)
      expect(await seriousViolations(page), 'phone: performance').toEqual([])
      expect(await sidewaysScroll(page), 'phone: performance').toEqual([])
      await openChat(page)
      await checkDrawers(page, 'phone')
    })
  })
}
