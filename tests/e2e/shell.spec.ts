/** The app shell: status bar, metrics chart, error notices that lead to help, diagnostics, help, themes, small screens. */
import { expect, test } from '@playwright/test'
import { ask, downloadStories, openApp, openChat, openModels, openPerformance, openSettings, setGreedy, startLongAnswer, storiesCard, showSetting } from './helpers'
import { NOT_GGUF } from './models-fixture'

test('the status chip and the Performance screen (status, metrics chart) follow a request', async ({ page }) => {
  await openApp(page)
  await expect(page.getByTestId('status-state')).toHaveText('no model')
  // The chip opens the details: its own screen with a URL.
  await openPerformance(page)
  await expect(page).toHaveURL(/\/performance$/)
  await expect(page.getByTestId('metrics-chart')).toHaveAttribute('data-points', '0')
  await downloadStories(page)
  await expect(page.getByTestId('status-state')).toHaveText('ready')
  // Diagnostics live on the Performance screen, not in the chat.
  await expect(page.getByTestId('engine-status')).toHaveCount(0)
  await expect(page.getByTestId('metrics-chart')).toHaveCount(0)
  await openPerformance(page)
  await expect(page.getByTestId('status-model')).toHaveText('stories260K.gguf')
  await expect(page.getByTestId('status-backend')).toContainText(/CPU, \d+ threads?|WebGPU/)
  await expect(page.getByTestId('status-memory')).toContainText(/B$/)
  await expect(page.getByTestId('status-rate')).toHaveText('–')
  await setGreedy(page)
  await expect(page).toHaveURL(/\/performance$/)
  await ask(page, 'Once upon a time')
  await openPerformance(page)
  await expect(page.getByTestId('status-rate')).toHaveText(/^\d+\.\d tok\/s$/)
  await expect(page.getByTestId('status-queue')).toHaveText('0')
  await expect(page.getByTestId('metrics-chart')).toHaveAttribute('data-points', '1')
  await ask(page, 'Lily went')
  await openPerformance(page)
  await expect(page.getByTestId('metrics-chart')).toHaveAttribute('data-points', '2')
  const points = await page.getByTestId('metrics-rate-line').getAttribute('points')
  expect(points?.split(' ')).toHaveLength(2)
  await expect(page.getByTestId('metrics-ttft-line')).toHaveAttribute('points', /\d+(\.\d)?,\d+(\.\d)? \d/)
  await startLongAnswer(page)
  await expect(page.getByTestId('status-state')).toHaveText('generating')
  await openPerformance(page)
  await expect(page.getByTestId('status-queue')).toHaveText('1')
  await page.goBack()
  await page.getByTestId('stop').click()
  await expect(page.getByTestId('status-state')).toHaveText('ready')
  await openPerformance(page)
  await expect(page.getByTestId('status-queue')).toHaveText('0')
})

test('an error says what happened, what to do, and its help link opens the troubleshooting section', async ({ page }) => {
  await openApp(page)
  await openModels(page)
  await storiesCard(page, NOT_GGUF).getByTestId('download').click()
  const error = page.getByTestId('error').filter({ has: page.locator('[data-testid=error-help-link]') }).first()
  await expect(error).toHaveAttribute('data-code', 'invalid_model_file')
  await expect(error.getByTestId('error-action')).toContainText('What to do: Pick a .gguf file made for llama.cpp.')
  await expect(page.getByTestId('status-state')).toHaveText('error')
  await error.getByTestId('error-help-link').click()
  const help = page.getByTestId('help-panel')
  await expect(help).toBeVisible()
  await expect(page.getByTestId('help-content')).toHaveAttribute('data-doc', 'troubleshooting')
  const section = page.getByTestId('help-content').locator('h2#invalid_model_file')
  await expect(section).toBeFocused()
  await expect(section).toBeInViewport()
})

test('Copy diagnostics reports the environment and errors, never the API key', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await openApp(page)
  const secret = 'AIzaE2E-diagnostics-secret-0123456789'
  await openSettings(page)
  await showSetting(page, 'setting-gemini-key')
  await page.getByTestId('setting-gemini-key').fill(secret)
  await page.getByTestId('save-gemini-key').click()
  await page.keyboard.press('Escape')
  await openModels(page)
  await storiesCard(page, NOT_GGUF).getByTestId('download').click()
  await page.getByTestId('error-help-link').first().click()
  await page.getByTestId('copy-diagnostics').click()
  const text = await page.getByTestId('diagnostics-text').inputValue()
  expect(text).toContain('Cross-origin isolated: true')
  expect(text).toMatch(/WebGPU/)
  expect(text).toContain('invalid_model_file')
  expect(text).toMatch(/Versions: app \d/)
  expect(text).not.toContain(secret)
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text)
})

test('the help panel shows the guides offline-bundled and links between them stay in the app', async ({ page }) => {
  await openApp(page)
  await page.getByTestId('open-help').click()
  // The user guide, not the developer README.
  await expect(page.getByTestId('help-content')).toHaveAttribute('data-doc', 'getting-started')
  await expect(page.getByTestId('help-content').locator('h1')).toHaveText('Getting started')
  await expect(page.getByRole('navigation', { name: 'Guides' }).getByRole('button')).toHaveText(['Getting started', 'Models', 'Privacy', 'Cloud services', 'Tools and MCP', 'Troubleshooting', 'Keyboard shortcuts'])
  await page.getByTestId('help-content').locator('a[href="models.md"]').first().click()
  await expect(page.getByTestId('help-content')).toHaveAttribute('data-doc', 'models')
  await page.getByTestId('help-content').locator('a[href^="../troubleshooting.md"]').first().click()
  await expect(page.getByTestId('help-content')).toHaveAttribute('data-doc', 'troubleshooting')
  await expect(page).toHaveURL(/\/help$/)
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('help-panel')).toBeHidden()
  await expect(page).toHaveURL(/\/$/)
})

test('first-run guidance shows until dismissed or a model is downloaded', async ({ page }) => {
  await openApp(page)
  await expect(page.getByTestId('first-run')).toBeVisible()
  await page.getByTestId('first-run').getByRole('button', { name: 'Settings' }).click()
  await expect(page.getByTestId('settings-drawer')).toBeVisible()
  await page.keyboard.press('Escape')
  await page.getByTestId('first-run-dismiss').click()
  await expect(page.getByTestId('first-run')).toHaveCount(0)
  await page.reload()
  await expect(page.getByTestId('worker-isolated')).toBeAttached()
  await expect(page.getByTestId('first-run')).toHaveCount(0)
})

test('first-run guidance steps aside once a model is downloaded', async ({ page }) => {
  await openApp(page)
  await expect(page.getByTestId('first-run')).toBeVisible()
  await downloadStories(page)
  await expect(page.getByTestId('first-run')).toHaveCount(0)
})

test('light and dark themes: the system preference by default, and a toggle that every panel follows', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' })
  await openApp(page)
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  // The model library (theme variables, on the Models screen) and the chat (its own light-dark() colours, which need
  // the root's color-scheme to follow the toggle, not only the system preference).
  const panels = async () => {
    await openModels(page)
    const facts = await page.getByTestId('model-facts').first().evaluate(el => getComputedStyle(el).color)
    await openChat(page)
    const chat = await page.getByTestId('prompt').evaluate(el => getComputedStyle(el).borderTopColor)
    return { facts, chat }
  }
  const DARK = { facts: 'rgb(203, 213, 225)', chat: 'rgb(75, 85, 99)' }
  const LIGHT = { facts: 'rgb(75, 85, 99)', chat: 'rgb(209, 213, 219)' }
  expect(await bg()).toBe('rgb(17, 24, 39)')
  expect(await panels()).toEqual(DARK)
  await page.getByTestId('theme-toggle').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  expect(await bg()).toBe('rgb(255, 255, 255)')
  expect(await panels()).toEqual(LIGHT)
  await page.getByTestId('theme-toggle').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.emulateMedia({ colorScheme: 'light' })
  expect(await bg()).toBe('rgb(17, 24, 39)')
  expect(await panels()).toEqual(DARK)
})

test.describe('at 360 x 740', () => {
  test.use({ viewport: { width: 360, height: 740 } })

  test('nothing scrolls sideways: main view, settings drawer, help', async ({ page }) => {
    await openApp(page)
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await downloadStories(page)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await openSettings(page)
    const drawerOverflow = await page.getByTestId('settings-drawer').evaluate(el => el.scrollWidth - el.clientWidth)
    expect(drawerOverflow).toBeLessThanOrEqual(0)
    expect(await overflow()).toBeLessThanOrEqual(0)
    await page.keyboard.press('Escape')
    await page.getByTestId('open-help').click()
    const helpOverflow = await page.getByTestId('help-content').evaluate(el => el.scrollWidth - el.clientWidth)
    expect(helpOverflow).toBeLessThanOrEqual(0)
  })
})
