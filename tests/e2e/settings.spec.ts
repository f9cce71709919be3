/** The settings drawer: a real modal (focus trapped, Esc closes), validated fields, saved on the device, reload on confirmation. */
import { expect, test, type Page } from '@playwright/test'
import { closeSettings, downloadStories, openApp, openPerformance, openSettings } from './helpers'

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
  await openSettings(page)
  const maxTokens = page.getByTestId('setting-max-tokens')
  await maxTokens.fill('64')
  await maxTokens.fill('-5')
  await expect(page.getByTestId('setting-max-tokens-error')).toHaveText('Longest answer must be a whole number from 1 to 32768.')
  await expect(maxTokens).toHaveAttribute('aria-invalid', 'true')
  await page.getByTestId('setting-top-p').fill('3')
  await expect(page.getByTestId('setting-top-p-error')).toContainText('Top-p')
  await page.getByTestId('setting-backend').selectOption('openai-compat')
  await expect(page.getByTestId('setting-openai-url-error')).toContainText('Enter the server URL')
  await page.getByTestId('setting-openai-url').fill('localhost:8080')
  await expect(page.getByTestId('setting-openai-url-error')).toContainText('http:// or https://')
  await page.getByTestId('setting-openai-url').fill('http://localhost:8080/v1')
  await expect(page.getByTestId('setting-openai-url-error')).toHaveCount(0)
  await expect.poll(() => readIdb(page, 'local-ai:settings')).toMatchObject({ openaiUrl: 'http://localhost:8080/v1' })
  await page.reload()
  await openSettings(page)
  // The last valid value survives; the invalid one was never stored.
  await expect(page.getByTestId('setting-max-tokens')).toHaveValue('64')
  await expect(page.getByTestId('setting-top-p')).toHaveValue('0.95')
  await expect(page.getByTestId('setting-backend')).toHaveValue('openai-compat')
  await expect(page.getByTestId('setting-openai-url')).toHaveValue('http://localhost:8080/v1')
})

test('settings live in IndexedDB; old localStorage settings are moved there once', async ({ page }) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1')
      localStorage.setItem('local-ai:settings', JSON.stringify({ nCtx: 1024, maxTokens: 99 }))
    }
  })
  await openApp(page)
  await openSettings(page)
  await expect(page.getByTestId('setting-n-ctx')).toHaveValue('1024')
  await expect(page.getByTestId('setting-max-tokens')).toHaveValue('99')
  expect(await page.evaluate(() => localStorage.getItem('local-ai:settings'))).toBeNull()
  expect(await readIdb(page, 'local-ai:settings')).toMatchObject({ nCtx: 1024, maxTokens: 99 })
})

test('the Gemini key is masked, kept on the device, and Forget removes it from storage', async ({ page }) => {
  await openApp(page)
  await openSettings(page)
  const key = page.getByTestId('setting-gemini-key')
  await expect(key).toHaveAttribute('type', 'password')
  await key.fill('AIzaTEST-e2e-secret-0123456789')
  await page.getByTestId('save-gemini-key').click()
  await expect(page.getByText('Key saved on this device.')).toBeVisible()
  const readKey = () => readIdb(page, 'local-ai:gemini-api-key')
  expect(await readKey()).toBe('AIzaTEST-e2e-secret-0123456789')
  await page.reload()
  await openSettings(page)
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
  await openSettings(page)
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
