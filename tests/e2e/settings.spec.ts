/** The settings drawer: a real modal (focus trapped, Esc closes), validated fields, saved on the device, reload on confirmation. */
import { expect, test, type Page } from '@playwright/test'
import { closeSettings, downloadStories, openApp, openPerformance, openSettings, showSetting } from './helpers'

/** A value from idb-keyval's default store, where the app keeps settings and the key. */
function readIdb(page: Page, key: string): Promise<unknown> {
  return page.evaluate(k => new Promise<unknown>((resolve, reject) => {
    const open = indexedDB.open('keyval-store')
    open.onsuccess = () => {
      const req = open.result.transaction('keyval').objectStore('keyval').get(k)
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error)
    }
    open.onerror = () => reject(open.error)
  }), key)
}

test('the drawer opens from the header, keeps keyboard focus inside, and Esc closes it and returns focus', async ({ page }) => {
  await openApp(page)
  const opener = page.getByTestId('open-settings')
  await opener.focus()
  await page.keyboard.press('Enter')
  const drawer = page.getByTestId('settings-drawer')
  await expect(drawer).toBeVisible()
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab')
    const where = await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body)
        return 'none'
      return el.closest('[data-testid=settings-drawer]') ? 'inside' : `outside: ${el.outerHTML.slice(0, 80)}`
    })
    expect(where).not.toMatch(/^outside/)
  }
  await page.keyboard.press('Escape')
  await expect(drawer).toBeHidden()
  await expect(opener).toBeFocused()
})

test('every field says what is wrong with a bad value, and a bad value is not saved', async ({ page }) => {
  await openApp(page)
  const maxTokens = await showSetting(page, 'setting-max-tokens')
  await maxTokens.fill('64')
  await maxTokens.fill('-5')
  await expect(page.getByTestId('setting-max-tokens-error')).toHaveText('Between 1 and 32768. Still using 64.')
  await expect(maxTokens).toHaveAttribute('aria-invalid', 'true')
  await page.getByTestId('setting-top-p').fill('3')
  await expect(page.getByTestId('setting-top-p-error')).toHaveText('Above 0 and at most 1. Still using 0.95.')
  await (await showSetting(page, 'setting-backend')).selectOption('openai-compat')
  await showSetting(page, 'setting-openai-url')
  await expect(page.getByTestId('setting-openai-url-error')).toContainText('Enter the server URL')
  await page.getByTestId('setting-openai-url').fill('localhost:8080')
  await expect(page.getByTestId('setting-openai-url-error')).toContainText('http:// or https://')
  await page.getByTestId('setting-openai-url').fill('http://localhost:8080/v1')
  await expect(page.getByTestId('setting-openai-url-error')).toHaveCount(0)
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ openaiUrl: 'http://localhost:8080/v1' })
  await page.reload()
  // The last valid value survives; the invalid one was never stored.
  await expect(await showSetting(page, 'setting-max-tokens')).toHaveValue('64')
  await expect(page.getByTestId('setting-top-p')).toHaveValue('0.95')
  await expect(await showSetting(page, 'setting-backend')).toHaveValue('openai-compat')
  await expect(await showSetting(page, 'setting-openai-url')).toHaveValue('http://localhost:8080/v1')
})

test('Temperature 5 is refused at the field with the reason, announced, and the temperature in use does not move', async ({ page }) => {
  await openApp(page)
  const temperature = await showSetting(page, 'setting-temperature')
  const recommended = page.getByTestId('setting-is-model-sampling-on')
  await expect(recommended).toBeChecked()
  await temperature.fill('5')
  const error = page.getByTestId('setting-temperature-error')
  // The recommended model's own temperature (0) stays in use: a refused value does not untick the recommendation.
  await expect(error).toHaveText('Between 0 and 2. Still using 0 (the model\'s recommendation).')
  await expect(recommended).toBeChecked()
  await expect(temperature).toHaveAttribute('aria-invalid', 'true')
  // The reason is the field's description (read with it) and sits in a live region (read when it appears).
  await expect(temperature).toHaveAccessibleDescription(/^Between 0 and 2\. Still using 0 \(the model's recommendation\)\./)
  await expect(page.locator('#setting-temperature-error')).toHaveAttribute('aria-live', 'polite')
  // The box keeps what was typed: nothing is replaced behind the person's back, and nothing invalid is saved.
  await expect(temperature).toHaveValue('5')
  await page.getByTestId('setting-max-tokens').fill('100')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ maxTokens: 100, temperature: 0.7, isModelSamplingOn: true })
  // Without the recommendation, the last valid value is the one in use.
  await recommended.uncheck()
  await expect(error).toHaveText('Between 0 and 2. Still using 0.7.')
  await temperature.fill('1.5')
  await expect(error).toHaveCount(0)
  await expect(temperature).toHaveAttribute('aria-invalid', 'false')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ temperature: 1.5 })
})

test('settings come in five groups as tabs (arrow keys move between them) that stay usable at 360 px', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 })
  await openApp(page)
  await openSettings(page)
  const tabs = page.getByRole('tablist', { name: 'Settings groups' }).getByRole('tab')
  await expect(tabs).toHaveText(['General', 'Model and generation', 'Cloud services', 'Tools', 'Advanced'])
  await tabs.first().focus()
  for (const [i, name] of ['Model and generation', 'Cloud services', 'Tools', 'Advanced'].entries()) {
    await page.keyboard.press('ArrowRight')
    await expect(tabs.nth(i + 1)).toBeFocused()
    await expect(page.getByRole('tabpanel', { name })).toBeVisible()
    const drawer = page.getByTestId('settings-drawer')
    expect(await drawer.evaluate(el => el.scrollWidth - el.clientWidth), name).toBeLessThanOrEqual(0)
    // Every control of the group fits the phone's width.
    const overflow = await page.getByRole('tabpanel', { name }).evaluate(panel => [...panel.querySelectorAll('input, select, textarea, button')]
      .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5).map(el => el.outerHTML.slice(0, 60)))
    expect(overflow, name).toEqual([])
  }
  await expect(page.getByRole('tabpanel', { name: 'Advanced' }).getByLabel('Processor threads')).toBeVisible()
})

test('each group resets to its defaults on its own, and Undo brings the values back', async ({ page }) => {
  await openApp(page)
  await (await showSetting(page, 'setting-threads')).fill('2')
  await (await showSetting(page, 'setting-temperature')).fill('1.3')
  await page.getByTestId('setting-system-prompt').fill('Answer briefly.')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ nThreads: 2, temperature: 1.3, systemPrompt: 'Answer briefly.' })
  await page.getByTestId('reset-generation').click()
  await expect(page.getByTestId('reset-generation-status')).toContainText('Model and generation settings are back to their defaults.')
  await expect(page.getByTestId('setting-temperature')).toHaveValue('0.7')
  await expect(page.getByTestId('setting-system-prompt')).toHaveValue('')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ nThreads: 2, temperature: 0.7, systemPrompt: '' })
  await page.getByTestId('undo-reset-generation').click()
  await expect(page.getByTestId('setting-temperature')).toHaveValue('1.3')
  await expect(page.getByTestId('setting-system-prompt')).toHaveValue('Answer briefly.')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ nThreads: 2, temperature: 1.3, systemPrompt: 'Answer briefly.' })
  await expect(page.getByTestId('undo-reset-generation')).toHaveCount(0)
  await showSetting(page, 'reset-advanced')
  await page.getByTestId('reset-advanced').click()
  await expect(page.getByTestId('setting-threads')).toHaveValue('0')
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ nThreads: 0, temperature: 1.3 })
})

test('/settings?field=<key> opens the field\'s group and puts the focus in it (the Add key link of other screens)', async ({ page }) => {
  await openApp(page, '/settings?field=temperature')
  await expect(page.getByTestId('settings-drawer')).toBeVisible()
  await expect(page.getByRole('tab', { name: 'Model and generation' })).toHaveAttribute('aria-selected', 'true')
  await expect(page.locator('#setting-temperature')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('settings-drawer')).toBeHidden()
  await page.goto('/settings?field=geminiApiKey')
  await expect(page.getByRole('tab', { name: 'Cloud services' })).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByTestId('setting-gemini-key')).toBeFocused()
  await expect(page.getByTestId('setting-gemini-key')).toHaveAttribute('id', 'setting-geminiApiKey')
})

test('settings live in IndexedDB; old localStorage settings are moved there once', async ({ page }) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1')
      localStorage.setItem('local-ai:settings', JSON.stringify({ nCtx: 1024, maxTokens: 99 }))
    }
  })
  await openApp(page)
  await showSetting(page, 'setting-n-ctx')
  await expect(page.getByTestId('setting-n-ctx')).toHaveValue('1024')
  await expect(page.getByTestId('setting-max-tokens')).toHaveValue('99')
  expect(await page.evaluate(() => localStorage.getItem('local-ai:settings'))).toBeNull()
  expect(await readIdb(page, 'local-ai:settings')).toMatchObject({ nCtx: 1024, maxTokens: 99 })
})

test('the Gemini key is masked, kept on the device, and Forget removes it from storage', async ({ page }) => {
  await openApp(page)
  const key = await showSetting(page, 'setting-gemini-key')
  await expect(key).toHaveAttribute('type', 'password')
  await key.fill('AIzaTEST-e2e-secret-0123456789')
  await page.getByTestId('save-gemini-key').click()
  await expect(page.getByText('Key saved on this device.')).toBeVisible()
  const readKey = () => readIdb(page, 'local-ai:gemini-api-key')
  expect(await readKey()).toBe('AIzaTEST-e2e-secret-0123456789')
  await page.reload()
  await showSetting(page, 'setting-gemini-key')
  await expect(page.getByText('Gemini API key (saved)')).toBeVisible()
  await expect(page.getByTestId('setting-gemini-key')).toHaveValue('')
  await page.getByTestId('forget-gemini-key').click()
  await expect(page.getByText('Gemini API key (none saved)')).toBeVisible()
  expect(await readKey()).toBeUndefined()
})

test('a change that needs a model reload says so, and reloads the model when confirmed', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await openPerformance(page)
  await expect(page.getByTestId('engine-backend')).toContainText('context 2048 tokens')
  await showSetting(page, 'setting-temperature')
  await expect(page.getByTestId('reload-notice')).toHaveCount(0)
  await page.getByTestId('setting-temperature').fill('0.2')
  await expect(page.getByTestId('reload-notice')).toHaveCount(0)
  await page.getByTestId('setting-n-ctx').fill('512')
  await expect(page.getByTestId('reload-notice')).toContainText('Changed: context size. The model must reload to use it.')
  await page.getByTestId('reload-model').click()
  await expect(page.getByTestId('reload-notice')).toHaveCount(0, { timeout: 60_000 })
  await closeSettings(page)
  await expect(page.getByTestId('engine-backend')).toContainText('context 512 tokens')
})
