/**
 * Issue 17 item 10 in the real browser: storage fills up while a chat is being saved. The page's IndexedDB refuses
 * every write to the conversation database with a DOMException 'QuotaExceededError' (IDBObjectStore.prototype.put,
 * stubbed before the app loads) for as long as the test says. The person must see a storage-full notice (not "leave
 * private browsing"), the reply on screen marked not saved, and, once writes work again, the whole turn saved by
 * itself and still there after a reload.
 */
import { expect, test, type Page } from '@playwright/test'
import { ask, loadedModel, openApp, setGreedy, storiesCard } from './helpers'

const LILY = 'there was a little girl named Lily'

/** Turns the refusal of conversation writes on or off (see the init script). */
function refuseConversationWrites(page: Page, isOn: boolean): Promise<void> {
  return page.evaluate((on) => { (globalThis as { refuseConversationWrites?: boolean }).refuseConversationWrites = on }, isOn)
}

/** Message texts stored in IndexedDB, read straight from the database. */
function storedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open('local-ai-conversations')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('messages').objectStore('messages').getAll()
      req.onsuccess = () => {
        resolve((req.result as Array<{ seq: number, content: string }>).sort((a, b) => a.seq - b.seq).map(m => m.content))
        open.result.close()
      }
    }
  }))
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if ((globalThis as { refuseConversationWrites?: boolean }).refuseConversationWrites && this.transaction.db.name === 'local-ai-conversations')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      return put.apply(this, args)
    }
  })
})

test('storage full while saving a chat: a quota notice, the reply shown and marked unsaved, saved by itself once there is room, kept after a reload', async ({ page }) => {
  // Two model loads (first visit, reload): slow on a busy machine.
  test.setTimeout(360_000)
  await openApp(page, '/models')
  await storiesCard(page).getByTestId('download').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded', { timeout: 150_000 })
  await setGreedy(page)

  await refuseConversationWrites(page, true)
  expect(await ask(page, 'Once upon a time')).toContain(LILY)

  const notice = page.locator('[data-testid=error][data-code=storage_full]')
  await expect(notice).toBeVisible()
  await expect(notice).toContainText('Storage on this device is full')
  await expect(notice).toContainText('Delete downloaded models or old chats')
  await expect(notice).not.toContainText('private browsing')
  await expect(notice.getByTestId('storage-usage')).toContainText('This app stores')
  await expect(notice.getByTestId('storage-full-models')).toBeVisible()
  await expect(notice.getByTestId('storage-full-chats')).toBeVisible()
  // Both messages of the turn are on screen, marked; nothing of it is in the database yet.
  await expect(page.getByTestId('message-unsaved')).toHaveCount(2)
  expect(await storedTexts(page)).toEqual([])

  // Space comes back: the retry timer saves the turn without the person doing anything.
  await refuseConversationWrites(page, false)
  await expect(page.getByTestId('message-unsaved')).toHaveCount(0, { timeout: 30_000 })
  await expect(notice).toHaveCount(0)
  const stored = await storedTexts(page)
  expect(stored[0]).toBe('Once upon a time')
  expect(stored[1]).toContain(LILY)

  await page.reload()
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', /stories260K\.gguf$/, { timeout: 150_000 })
  const messages = page.getByTestId('chat-message')
  await expect(messages).toHaveCount(2)
  await expect(messages.nth(1)).toContainText(LILY)

  // Full again in a new chat: "Delete old chats" opens the list, and deleting one saves what waited.
  await page.keyboard.press('Control+k')
  await refuseConversationWrites(page, true)
  await ask(page, 'The cat')
  await expect(notice).toBeVisible()
  await expect(page.getByTestId('message-unsaved')).toHaveCount(2)
  await refuseConversationWrites(page, false)
  await notice.getByTestId('storage-full-chats').click()
  const old = page.getByTestId('conversation').filter({ hasText: 'Once upon a time' })
  await expect(old).toBeVisible()
  await old.getByTestId('delete').click()
  await old.getByTestId('delete-confirm').click()
  await expect(page.getByTestId('message-unsaved')).toHaveCount(0)
  await page.reload()
  await expect(page.getByTestId('chat-message').first()).toContainText('The cat')
})
