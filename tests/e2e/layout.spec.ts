/**
 * The chat-first layout (issue 16 items 1-4, 8): the chat fills the screen with the composer pinned, one scroll owner,
 * a conversations sidebar (a drawer on phones), a header with the model picker and a status chip, a URL per screen,
 * and a first-run empty state with example prompts.
 */
import { expect, test, type Page } from '@playwright/test'
import { ask, downloadStories, loadedModel, openApp, openSettings, setGreedy } from './helpers'

/** The page itself never scrolls, either way: only the message list (or a screen's own body) does. */
const pageOverflow = (page: Page) => page.evaluate(() => {
  const el = document.scrollingElement!
  return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight }
})
const messageList = (page: Page) => page.locator('.scroller')
const lastMessage = (page: Page) => page.locator('[data-testid=chat-message]').last()

test('the chat fills the screen: composer pinned at the bottom, only the message list scrolls, diagnostics elsewhere', async ({ page }) => {
  await openApp(page)
  const composer = page.getByTestId('composer')
  await expect(composer).toBeInViewport({ ratio: 1 })
  await downloadStories(page)
  await setGreedy(page, 40)
  for (const prompt of ['Once upon a time', 'Lily went', 'The cat', 'One day', 'The dog', 'Tom saw'])
    await ask(page, prompt)
  expect(await pageOverflow(page)).toEqual({ x: 0, y: 0 })
  const list = await messageList(page).evaluate(el => ({ overflow: el.scrollHeight - el.clientHeight, bottom: el.scrollHeight - el.scrollTop - el.clientHeight }))
  expect(list.overflow).toBeGreaterThan(0)
  expect(list.bottom).toBeLessThan(4)
  await expect(composer).toBeInViewport({ ratio: 1 })
  await expect(lastMessage(page)).toBeInViewport()
  // No metrics, thread samples, memory or restart buttons in the chat.
  for (const id of ['engine-status', 'metrics-chart', 'measure-memory', 'restart-engine', 'metrics'])
    await expect(page.getByTestId(id)).toHaveCount(0)
})

test('conversations sidebar: grouped by date, titles whole, collapsible', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 16)
  await ask(page, 'Once upon a time there was')
  const sidebar = page.locator('#conversations')
  await expect(sidebar.getByRole('heading', { name: 'Today' })).toBeVisible()
  const title = sidebar.getByTestId('open-conversation').first()
  await expect(title).toHaveText('Once upon a time there was')
  expect(await title.evaluate(el => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight)).toBe(true)
  await page.getByTestId('toggle-sidebar').click()
  await expect(sidebar).toBeHidden()
  await expect(page.getByTestId('toggle-sidebar')).toHaveAttribute('aria-expanded', 'false')
  await page.getByTestId('toggle-sidebar').click()
  await expect(sidebar).toBeVisible()
})

test('header: the model picker lists downloaded models and opens the library; the status chip opens the details; each screen has a URL and Back works', async ({ page }) => {
  await openApp(page)
  const picker = page.getByTestId('model-picker')
  await expect(page.getByTestId('status-state')).toHaveText('no model')
  await downloadStories(page)
  await expect(picker).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
  await expect(picker.locator('option', { hasText: 'stories260K' })).toHaveCount(1)
  await expect(page.getByTestId('status-state')).toHaveText('ready')
  // "Get more models…" opens the library; Back returns to the chat.
  await picker.selectOption({ label: 'Get more models…' })
  await expect(page).toHaveURL(/\/models$/)
  await expect(page.getByRole('region', { name: 'Models' })).toBeVisible()
  await page.goBack()
  await expect(page).toHaveURL(/\/$/)
  await expect(page.getByTestId('prompt')).toBeVisible()
  // Settings is a drawer over the chat with its own URL; Back closes it.
  await openSettings(page)
  await expect(page).toHaveURL(/\/settings$/)
  await page.goBack()
  await expect(page.getByTestId('settings-drawer')).toBeHidden()
  await expect(page).toHaveURL(/\/$/)
  // The chip opens Performance.
  await page.getByTestId('status-chip').click()
  await expect(page).toHaveURL(/\/performance$/)
  await expect(page.getByTestId('engine-status')).toBeVisible()
  await expect(page.getByTestId('metrics-chart')).toBeVisible()
  // Every screen opens from its URL.
  await page.goto('/settings')
  await expect(page.getByTestId('settings-drawer')).toBeVisible()
  await page.goto('/help')
  await expect(page.getByTestId('help-panel')).toBeVisible()
  await page.goto('/models')
  await expect(page.getByRole('region', { name: 'Models' })).toBeVisible()
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
})

test('first run: what the app is, example prompts that fill the composer, the recommended model with its size, focus on the composer once a model is ready', async ({ page }) => {
  await openApp(page)
  const empty = page.getByTestId('chat-empty')
  await expect(empty.getByRole('heading').first()).toHaveText('A private AI assistant that runs in your browser.')
  await expect(empty.getByTestId('first-message-hint')).toContainText(/downloads SmolLM2 135M Instruct \(\d+ MiB\)/)
  const examples = empty.getByTestId('example-prompt')
  await expect(examples).toHaveCount(4)
  await examples.first().click()
  await expect(page.getByTestId('prompt')).toHaveValue('What is the capital of France?')
  await expect(page.getByTestId('prompt')).toBeFocused()
  await downloadStories(page)
  // The model loads on opening; once it is ready the composer has the focus.
  await page.reload()
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')
  await expect(page.getByTestId('prompt')).toBeFocused()
})

test.describe('at 360 x 740', () => {
  test.use({ viewport: { width: 360, height: 740 } })

  test('the composer and the last message are on the first screen at all times; conversations are a drawer; nothing scrolls sideways', async ({ page }) => {
    await openApp(page)
    const composer = page.getByTestId('composer')
    await expect(composer).toBeInViewport({ ratio: 1 })
    await expect(page.locator('#conversations')).toBeHidden()
    expect(await pageOverflow(page)).toEqual({ x: 0, y: 0 })
    await downloadStories(page)
    await setGreedy(page, 40)
    for (const prompt of ['Once upon a time', 'Lily went', 'The cat', 'One day']) {
      await ask(page, prompt)
      await expect(composer).toBeInViewport({ ratio: 1 })
      await expect(lastMessage(page)).toBeInViewport()
      expect(await pageOverflow(page)).toEqual({ x: 0, y: 0 })
    }
    // The drawer opens over the chat and closes once a conversation is picked.
    await page.getByTestId('toggle-sidebar').click()
    const drawer = page.locator('#conversations')
    await expect(drawer).toBeVisible()
    await drawer.getByTestId('open-conversation').first().click()
    await expect(drawer).toBeHidden()
    for (const path of ['/models', '/performance', '/settings', '/help']) {
      await page.goto(path)
      await expect(page.getByTestId('worker-isolated')).toBeAttached()
      expect((await pageOverflow(page)).x).toBe(0)
    }
  })
})

test('keyboard: / focuses the composer, Ctrl+K starts a new chat', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 16)
  await ask(page, 'Once upon a time')
  await page.getByTestId('toggle-sidebar').focus()
  await page.keyboard.press('/')
  await expect(page.getByTestId('prompt')).toBeFocused()
  await expect(page.getByTestId('prompt')).toHaveValue('')
  await page.keyboard.press('Control+k')
  await expect(page.locator('[data-testid=chat-message]')).toHaveCount(0)
  await expect(page.getByTestId('conversation')).toHaveCount(2)
  await expect(page.getByTestId('prompt')).toBeFocused()
})
