/**
 * The chat on the real parts: the built app, real IndexedDB, the real worker and real wllama on stories260K.gguf.
 * stories260K has no chat template, so it continues the prompt; at temperature 0 "Once upon a time" always goes on
 * with the same story.
 */
import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { ask, downloadStories, openApp, setGreedy, startLongAnswer } from './helpers'

const LILY = 'there was a little girl named Lily'
const answers = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]')
const conversations = (page: Page) => page.getByTestId('conversation')

/** Replies the app has written to IndexedDB with this status, read straight from the database. */
function storedReplies(page: Page, status: string): Promise<string[]> {
  return page.evaluate(s => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open('local-ai-conversations')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('messages').objectStore('messages').getAll()
      req.onsuccess = () => {
        resolve((req.result as Array<{ status: string, content: string }>).filter(m => m.status === s).map(m => m.content))
        open.result.close()
      }
    }
  }), status)
}

test('keyboard chat with Markdown replies, reply details, no layout shift, Stop, Regenerate, copy and edit-and-resend', async ({ page, context }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page)

  // Shift+Enter is a new line; Enter sends.
  const prompt = page.getByTestId('prompt')
  await prompt.fill('Once upon')
  await prompt.press('Shift+Enter')
  await expect(prompt).toHaveValue('Once upon\n')
  await expect(page.locator('[data-testid=chat-message]')).toHaveCount(0)
  await prompt.fill('Once upon a time')
  await prompt.press('Enter')
  await expect(page.getByTestId('send')).toBeVisible()
  await expect(answers(page).last().getByTestId('message-content')).toContainText(LILY)

  // Per reply: backend, model, time to first token and tokens/s.
  const info = answers(page).last().getByTestId('reply-info')
  await expect(info.getByTestId('reply-backend')).toHaveText('wllama')
  await expect(info.getByTestId('reply-model')).toHaveText('stories260K.gguf')
  await expect(info.getByTestId('reply-ttft')).toHaveText(/^\d+$/)
  await expect(info.getByTestId('reply-tps')).toHaveText(/^\d+\.\d$/)
  await expect(conversations(page)).toHaveCount(1)
  await expect(conversations(page).first()).toHaveAttribute('data-title', 'Once upon a time')

  // A long reply: the composer does not move while tokens stream, and Esc stops it.
  const composer = page.getByTestId('composer')
  const before = await composer.boundingBox()
  await startLongAnswer(page)
  const streaming = answers(page).last().getByTestId('message-content')
  const boxes = []
  // Sample the composer's box while the reply grows well past the height of the message area.
  while (((await streaming.textContent()) ?? '').length < 1500 && await page.getByTestId('stop').isVisible())
    boxes.push(await composer.boundingBox())
  expect(boxes.length).toBeGreaterThan(1)
  expect(boxes.filter(b => JSON.stringify(b) !== JSON.stringify(before))).toEqual([])
  await page.keyboard.press('Escape')
  await expect(answers(page).last().getByTestId('stopped')).toBeVisible()
  await expect(page.getByTestId('send')).toBeVisible()

  // Regenerate replaces the stopped reply with a new, finished one.
  await setGreedy(page)
  const count = await answers(page).count()
  await answers(page).last().getByTestId('regenerate').click()
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 60_000 })
  await expect(answers(page)).toHaveCount(count)
  await expect(answers(page).last()).toHaveAttribute('data-status', 'done')
  await expect(answers(page).last().getByTestId('message-content')).toContainText(LILY)

  // Copy puts the reply's text on the clipboard.
  await answers(page).last().getByTestId('copy-message').click()
  await expect(answers(page).last().getByTestId('copy-message')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(LILY)

  // Edit the first question and send it again: everything after it is replaced.
  const first = page.locator('[data-testid=chat-message][data-role=user]').first()
  await first.getByTestId('edit').click()
  await first.getByTestId('edit-text').fill('Once upon a time there was a dog')
  await first.getByTestId('edit-send').click()
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('[data-testid=chat-message]')).toHaveCount(2)
  await expect(page.locator('[data-testid=chat-message][data-role=user]').getByTestId('message-content')).toHaveText('Once upon a time there was a dog')

  // The chat (list, messages, composer) has no serious or critical accessibility violations.
  const axe = await new AxeBuilder({ page }).include('section[aria-label=Chat]').analyze()
  expect(axe.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)).toEqual([])

  const shot = testInfo.outputPath('chat.png')
  await page.screenshot({ path: shot, fullPage: true })
  await testInfo.attach('chat', { path: shot, contentType: 'image/png' })
})

test('conversations: new, rename, search by title and content, delete, and they survive a reload', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 16)
  await ask(page, 'Once upon a time')
  await page.getByTestId('new-conversation').click()
  await expect(page.locator('[data-testid=chat-message]')).toHaveCount(0)
  await ask(page, 'The dragon')
  await expect(conversations(page)).toHaveCount(2)

  const dragon = page.locator('[data-testid=conversation][data-title="The dragon"]')
  await dragon.getByTestId('rename').click()
  await dragon.getByTestId('rename-input').fill('Dragons')
  await dragon.getByTestId('rename-input').press('Enter')
  await expect(conversations(page).first()).toHaveAttribute('data-title', 'Dragons')

  const search = page.getByTestId('conversation-search')
  await search.fill('dragons')
  await expect(conversations(page)).toHaveCount(1)
  await search.fill('lily') // only in the first conversation's reply
  await expect(conversations(page)).toHaveCount(1)
  await expect(conversations(page).first()).toHaveAttribute('data-title', 'Once upon a time')
  await search.fill('')
  await expect(conversations(page)).toHaveCount(2)

  await page.reload()
  await expect(conversations(page)).toHaveCount(2)
  await conversations(page).filter({ hasText: 'Once upon a time' }).getByTestId('open-conversation').click()
  await expect(answers(page).first().getByTestId('message-content')).toContainText('Lily')

  const once = page.locator('[data-testid=conversation][data-title="Once upon a time"]')
  await once.getByTestId('delete').click()
  await once.getByTestId('delete-confirm').click()
  await expect(conversations(page)).toHaveCount(1)
  await expect(conversations(page).first()).toHaveAttribute('data-title', 'Dragons')
  // The focus goes to the conversation that took the deleted one's place, not to the page's body.
  await expect(conversations(page).first().getByTestId('open-conversation')).toBeFocused()
  await page.reload()
  await expect(conversations(page)).toHaveCount(1)
})

test('a reply cut off by a reload is kept and marked interrupted', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await startLongAnswer(page)
  // Wait until the growing reply has reached IndexedDB (it is written as it grows), then reload mid-answer.
  await expect.poll(async () => (await storedReplies(page, 'streaming')).join('').length).toBeGreaterThan(20)
  await expect(page.getByTestId('stop')).toBeVisible()
  await page.reload()

  const reply = answers(page).last()
  await expect(reply).toHaveAttribute('data-status', 'interrupted')
  await expect(reply.getByTestId('interrupted')).toBeVisible()
  const [kept] = await storedReplies(page, 'interrupted')
  expect(kept!.length).toBeGreaterThan(20)
  expect((await reply.getByTestId('message-content').textContent())!.replace(/\s+/g, ' ').trim())
    .toContain(kept!.replace(/\s+/g, ' ').trim().slice(0, 20))
  await expect(page.locator('[data-testid=chat-message][data-role=user]').last().getByTestId('message-content')).toHaveText('Once upon a time')
})

test('export then import copies the conversations; a bad import is refused and changes nothing', async ({ page }, testInfo) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 16)
  await ask(page, 'Once upon a time')

  const downloading = page.waitForEvent('download')
  await page.getByTestId('export-conversations').click()
  const file = testInfo.outputPath('export.json')
  await (await downloading).saveAs(file)
  const exported = JSON.parse(await readFile(file, 'utf8')) as { format: string, conversations: Array<{ title: string, messages: unknown[] }> }
  expect(exported.format).toBe('local-ai-conversations')
  expect(exported.conversations.map(c => [c.title, c.messages.length])).toEqual([['Once upon a time', 2]])

  const input = page.getByTestId('import-conversations')
  const bad = JSON.stringify({ ...exported, conversations: [{ ...exported.conversations[0], messages: [{ role: 'root' }] }] })
  await input.setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(bad) })
  const error = page.getByTestId('error')
  await expect(error).toHaveAttribute('data-code', 'import_invalid')
  await expect(error).toContainText('nothing was imported')
  await expect(error).toContainText('conversation 1, message 1')
  await expect(conversations(page)).toHaveCount(1)
  await input.setInputFiles({ name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{"format":') })
  await expect(error).toContainText('not JSON')
  await expect(conversations(page)).toHaveCount(1)

  // The same conversation is already here: importing its export adds nothing (issue 16 item 1).
  await input.setInputFiles(file)
  await expect(page.getByTestId('import-done')).toHaveText('Nothing new: 1 conversation was already here and was skipped.')
  await expect(conversations(page)).toHaveCount(1)
  // Once it is gone, the export brings it back.
  const once = page.locator('[data-testid=conversation][data-title="Once upon a time"]')
  await once.getByTestId('delete').click()
  await once.getByTestId('delete-confirm').click()
  await expect(conversations(page)).toHaveCount(0)
  await input.setInputFiles(file)
  await expect(page.getByTestId('import-done')).toHaveText('Imported 1 conversation.')
  await expect(conversations(page)).toHaveCount(1)
  await expect(answers(page).last().getByTestId('message-content')).toContainText('Lily')
})

test('at 360 px wide the chat, its list and a long reply fit without horizontal scrolling', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 740 })
  await openApp(page)
  const now = Date.now()
  const long = `${'word '.repeat(200)}\n\n\`\`\`js\n${'const aVeryLongIdentifierName = 1; '.repeat(20)}\n\`\`\`\n\nhttps://example.com/${'x'.repeat(200)}`
  const file = JSON.stringify({
    format: 'local-ai-conversations',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    conversations: [{
      id: 'c',
      title: `A very long conversation title ${'that goes on '.repeat(10)}`,
      createdAt: now,
      updatedAt: now,
      messages: [
        { id: 'q', role: 'user', content: 'y'.repeat(300), status: 'done', createdAt: now },
        { id: 'a', role: 'assistant', content: long, status: 'done', createdAt: now, backend: 'wllama', model: 'stories260K.gguf' },
      ],
    }],
  })
  await page.getByTestId('import-conversations').setInputFiles({ name: 'c.json', mimeType: 'application/json', buffer: Buffer.from(file) })
  await expect(answers(page)).toHaveCount(1)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(overflow).toBe(0)
  // Nor does the message area scroll sideways: only a code block may, inside itself.
  const scroller = page.getByTestId('messages').locator('..')
  expect(await scroller.evaluate(el => el.scrollWidth - el.clientWidth)).toBe(0)
  // Where the shell stacks the panels is its business; the composer itself fits the width.
  await page.getByTestId('composer').scrollIntoViewIfNeeded()
  const composer = await page.getByTestId('composer').boundingBox()
  expect(composer!.x).toBeGreaterThanOrEqual(0)
  expect(composer!.x + composer!.width).toBeLessThanOrEqual(360)
  const shot = testInfo.outputPath('chat-360.png')
  await page.screenshot({ path: shot, fullPage: true })
  await testInfo.attach('chat-360', { path: shot, contentType: 'image/png' })
})
