/**
 * Issue 16 items 5, 6 and the rest of item 1, through the built app: Regenerate keeps the earlier reply as a version
 * (< 1/2 >) and edit-and-resend keeps the earlier branch, both kept over a reload and only the branch on screen sent
 * to the model (an OpenAI-compatible server fixture on loopback scripts the replies and records the requests); a
 * model is deleted only after a dialog that says the re-download's size and host; errors show in the reply or above
 * the composer, once, naming the host, with the next step's button (Add key opens Settings on the key field, Reload
 * page when the security policy must admit a new address, Retry); New chat reuses an empty chat; importing one
 * export twice adds nothing. Screenshots at 1280x800 and 360x740 go to test-results/actions-screens/.
 */
import { expect, test, type Page } from '@playwright/test'
import { openai, startOpenAIServer, type ScriptedServer } from '../fixtures/openai-server'
import { closeSettings, downloadStories, openApp, openModels, openSettings, setSetting, showSetting, storiesCard } from './helpers'

/** Where the screenshots go: next to the run's other output, not into docs/ (Help bundles every image there). */
const SHOTS = 'test-results/actions-screens'
let server: ScriptedServer

test.beforeEach(async () => {
  server = await startOpenAIServer()
})
test.afterEach(async () => {
  await server.close()
})

const answers = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]')
const questions = (page: Page) => page.locator('[data-testid=chat-message][data-role=user]')
/** The texts on screen: a question's, or a reply's answer (its Markdown, without agent steps or notices). */
const text = (page: Page, role: 'user' | 'assistant') => page.locator(`[data-testid=chat-message][data-role=${role}]`).getByTestId(role === 'user' ? 'message-content' : 'reply-markdown')

/** Screenshots of the page as it is, at 1280x800 and 360x740 (the viewport and the sidebar are put back afterwards). */
async function shoot(page: Page, name: string, focus?: () => Promise<void>): Promise<void> {
  const before = page.viewportSize()
  const toggle = page.getByTestId('toggle-sidebar')
  let hasClosedSidebar = false
  for (const [width, height] of [[1280, 800], [360, 740]] as const) {
    await page.setViewportSize({ width, height })
    // On a phone the conversations are a drawer: closed, as a phone shows the chat.
    if (width < 800 && await page.locator('#conversations').isVisible()) {
      await toggle.click()
      hasClosedSidebar = true
    }
    await focus?.()
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png` })
    // No horizontal scroll at any size.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0)
  }
  if (before)
    await page.setViewportSize(before)
  if (hasClosedSidebar)
    await toggle.click()
}

/** The page is controlled by the service worker, so a reload gets the policy built from the saved settings. */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready)
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null))
    await page.reload()
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
}

/** Chooses the OpenAI-compatible backend at the fixture's address (the policy admits it from the next page load). */
async function chooseServer(page: Page): Promise<void> {
  await openSettings(page)
  await (await showSetting(page, 'setting-backend')).selectOption('openai-compat')
  await (await showSetting(page, 'setting-openai-url')).fill(`${server.url}/v1`)
  await (await showSetting(page, 'setting-openai-model')).fill('fixture-model')
  await closeSettings(page)
}

/** The app with the fixture server as the backend, after the reload that lets the page's policy admit it. */
async function openWithServer(page: Page): Promise<void> {
  await openApp(page)
  await controlled(page)
  await chooseServer(page)
  await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain(server.url)
  await page.reload()
  await expect(page.getByTestId('status-state')).toHaveText('ready')
}

/** What the chat requests sent as the conversation: user and assistant texts in order. */
const sentTurns = (i: number) => ((server.received.filter(r => r.url === '/v1/chat/completions')[i]?.body as { messages: Array<{ role: string, content?: string }> }).messages)
  .filter(m => m.role === 'user' || m.role === 'assistant').map(m => `${m.role}:${m.content ?? ''}`)

test('Regenerate and edit keep versions and branches, over a reload, and only the branch on screen is sent', async ({ page }) => {
  await openWithServer(page)
  await expect(page.getByTestId('status-answerer')).toHaveText(`Next answer from server at ${new URL(server.url).host}`)

  server.script.push(openai.text('A first answer.'), openai.text('A second answer.'))
  await page.getByTestId('prompt').fill('Tell me a joke')
  await page.getByTestId('send').click()
  await expect(text(page, 'assistant')).toHaveText('A first answer.')
  await page.getByTestId('regenerate').click()
  await expect(text(page, 'assistant')).toHaveText('A second answer.')
  const reply = answers(page).last()
  await expect(reply.getByTestId('version-label')).toHaveText('2/2')
  await reply.getByTestId('version-prev').click()
  await expect(text(page, 'assistant')).toHaveText('A first answer.')
  await expect(reply.getByTestId('version-label')).toHaveText('1/2')
  await shoot(page, 'version-switcher', () => reply.getByTestId('version-switcher').scrollIntoViewIfNeeded())

  // Edit-and-resend: a second version of the question, with its own answer; the first branch stays.
  server.script.push(openai.text('A pun answer.'))
  await questions(page).last().getByTestId('edit').click()
  await page.getByTestId('edit-text').fill('Tell me a pun')
  await page.getByTestId('edit-send').click()
  await expect(text(page, 'assistant')).toHaveText('A pun answer.')
  await expect(questions(page).last().getByTestId('version-label')).toHaveText('2/2')
  expect(sentTurns(2)).toEqual(['user:Tell me a pun'])

  // Back to the first question (with its newest answer), then to its first answer: the next message follows it.
  await questions(page).last().getByTestId('version-prev').click()
  await expect(text(page, 'user')).toHaveText('Tell me a joke')
  await expect(text(page, 'assistant')).toHaveText('A second answer.')
  await answers(page).last().getByTestId('version-prev').click()
  await expect(text(page, 'assistant')).toHaveText('A first answer.')
  server.script.push(openai.text('Another one.'))
  await page.getByTestId('prompt').fill('Another')
  await page.getByTestId('send').click()
  await expect(answers(page)).toHaveCount(2)
  await expect(text(page, 'assistant').last()).toHaveText('Another one.')
  expect(sentTurns(3)).toEqual(['user:Tell me a joke', 'assistant:A first answer.', 'user:Another'])

  // A reload shows the same branch, with both switchers.
  await page.reload()
  await expect(text(page, 'assistant')).toHaveText(['A first answer.', 'Another one.'])
  await expect(questions(page).first().getByTestId('version-label')).toHaveText('1/2')
  await expect(answers(page).first().getByTestId('version-label')).toHaveText('1/2')
  await answers(page).first().getByTestId('version-next').click()
  await expect(text(page, 'assistant')).toHaveText(['A second answer.'])
})

test('switching a version leaves the chat where the person clicked; a new reply goes to the end', async ({ page }) => {
  await openWithServer(page)
  const long = (name: string) => `${name}: ${'a line of a long answer, '.repeat(60)}end.`
  const ask = async (question: string, answer: string) => {
    server.script.push(openai.text(answer))
    await page.getByTestId('prompt').fill(question)
    await page.getByTestId('send').click()
    await expect(text(page, 'assistant').last()).toHaveText(answer)
  }
  // Two branches, each several screens long: the first question, then its edited version, each with follow-ups.
  await ask('First', long('A'))
  await ask('Second', long('B'))
  await ask('Third', long('C'))
  server.script.push(openai.text(long('A2')))
  await questions(page).first().getByTestId('edit').click()
  await page.getByTestId('edit-text').fill('First, again')
  await page.getByTestId('edit-send').click()
  await expect(text(page, 'assistant').last()).toHaveText(long('A2'))
  await ask('Fourth', long('D'))
  await ask('Fifth', long('E'))

  // Back to the first question's first version, from the top of the chat: it stays in view, the scroll stays.
  const first = questions(page).first()
  await first.getByTestId('version-prev').scrollIntoViewIfNeeded()
  await first.getByTestId('version-prev').click()
  await expect(text(page, 'user')).toHaveText(['First', 'Second', 'Third'])
  await expect(first.getByTestId('version-label')).toHaveText('1/2')
  await expect(first.getByTestId('version-label')).toBeInViewport()
  expect(await page.getByTestId('messages').evaluate(el => el.closest('.scroller')!.scrollTop)).toBeLessThan(200)

  // The next question and its reply go to the end again.
  await ask('Sixth', 'A short last answer.')
  await expect(text(page, 'assistant').last()).toBeInViewport()
})

test('Gemini without a key says so before sending, and Add key opens Settings on the key field', async ({ page }) => {
  await openApp(page)
  await openSettings(page)
  await (await showSetting(page, 'setting-backend')).selectOption('gemini')
  await closeSettings(page)
  const readiness = page.getByTestId('backend-readiness')
  await expect(readiness).toHaveAttribute('data-code', 'missing_api_key')
  await expect(readiness).toContainText('generativelanguage.googleapis.com')
  await expect(page.getByTestId('status-state')).toHaveText('not ready')
  await expect(page.getByTestId('model-picker')).toHaveValue('gemini')
  await expect(page.getByTestId('prompt')).toBeDisabled()
  await expect(page.getByTestId('send')).toBeDisabled()
  // Switching backend reloads nothing, so nothing says it must.
  await openSettings(page)
  await expect(page.getByTestId('reload-notice')).toHaveCount(0)
  await closeSettings(page)
  await shoot(page, 'error-add-key', () => readiness.scrollIntoViewIfNeeded())

  await readiness.getByTestId('next-step-settings').click()
  await expect(page).toHaveURL(/\/settings\?field=geminiApiKey$/)
  await expect(page.getByTestId('setting-gemini-key')).toBeFocused()
  await (await showSetting(page, 'setting-gemini-key')).fill('AIza-e2e-key')
  await page.getByTestId('save-gemini-key').click()
  await closeSettings(page)
  await expect(readiness).toHaveCount(0)
})

test('a server the security policy does not admit yet: the reply says so with Reload page; after it, Retry answers', async ({ page }) => {
  await openApp(page)
  await controlled(page)
  await chooseServer(page)
  // The policy of this page was built before the address was set: the reachability check is refused.
  const readiness = page.getByTestId('backend-readiness')
  await expect(readiness).toContainText('security policy')
  await expect(readiness.getByTestId('next-step-reload')).toBeVisible()

  await page.getByTestId('prompt').fill('Hello there')
  await page.getByTestId('send').click()
  const failed = answers(page).last().getByTestId('reply-error')
  // One cause, the real one: the policy refused the address (not "did not answer" beside "reload the page"), and
  // only the step that can help (no Retry or "try again in a moment" before the reload: a newcomer's report).
  await expect(failed.getByTestId('error')).toHaveAttribute('data-code', 'reload_needed')
  await expect(failed).toContainText(`security policy was set before ${new URL(server.url).host} was added`)
  await expect(failed).not.toContainText('did not answer')
  await expect(failed).not.toContainText('Failed to fetch')
  await expect(failed.getByTestId('next-step-reload')).toBeVisible()
  await expect(failed.getByTestId('next-step-retry')).toHaveCount(0)
  // Shown once: in the reply, not again above the composer.
  await expect(page.locator('[data-testid=error][data-code=reload_needed]')).toHaveCount(1)
  await expect(page.getByTestId('backend-readiness')).toHaveCount(0)
  await shoot(page, 'error-reload', () => failed.scrollIntoViewIfNeeded())

  await failed.getByTestId('next-step-reload').click()
  await expect(page.getByTestId('backend-readiness')).toHaveCount(0)
  server.script.push(openai.text('Hi! Now I can answer.'))
  await answers(page).last().getByTestId('next-step-retry').click()
  await expect(text(page, 'assistant')).toHaveText('Hi! Now I can answer.')
  await expect(answers(page).last().getByTestId('version-label')).toHaveText('2/2')

  // The server goes away: the reply names it and offers Check server address and Retry.
  await server.close()
  await page.getByTestId('prompt').fill('Still there?')
  await page.getByTestId('send').click()
  const gone = answers(page).last().getByTestId('reply-error')
  await expect(gone).toContainText(`The server at ${new URL(server.url).host} did not answer`)
  await expect(gone.getByTestId('next-step-settings')).toHaveText('Check server address')
  await expect(gone.getByTestId('next-step-retry')).toBeVisible()
})

test('deleting a model, or all of them, asks first and says the re-download\'s size and host', async ({ page }) => {
  await openApp(page)
  await setSetting(page, 'setting-threads', '1') // no thread measurement: the load is quick on a busy machine
  await downloadStories(page)
  await openModels(page)
  const host = new URL(page.url()).host
  await storiesCard(page).getByTestId('delete').click()
  const dialog = page.getByRole('alertdialog')
  await expect(dialog).toContainText('Delete stories260K.gguf?')
  await expect(page.getByTestId('confirm-description')).toContainText(`download 1.1 MiB again from ${host}`)
  await expect(page.getByTestId('confirm-cancel')).toBeFocused()
  await shoot(page, 'delete-dialog')
  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')

  await page.getByTestId('clear-all').click()
  await expect(page.getByTestId('confirm-description')).toContainText(`1 model (1.1 MiB)`)
  await expect(page.getByTestId('confirm-description')).toContainText(`again from ${host}`)
  await page.getByTestId('confirm-cancel').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Loaded')

  await storiesCard(page).getByTestId('delete').click()
  await page.getByTestId('confirm-action').click()
  await expect(storiesCard(page).getByTestId('model-state')).toHaveText('Not downloaded')
  // The focus goes to the card's next step, not to the page's body with the Delete button that held it.
  await expect(storiesCard(page).getByTestId('download')).toBeFocused()
})

test('New chat reuses an empty chat, search finds message text, and one export imported twice is added once', async ({ page }) => {
  await openApp(page)
  const items = page.getByTestId('conversations').locator('[data-testid=conversation]')
  for (let i = 0; i < 3; i++)
    await page.getByTestId('new-conversation').click()
  await page.keyboard.press('Control+k')
  await expect(items).toHaveCount(1)

  const now = Date.now()
  const file = Buffer.from(JSON.stringify({
    format: 'local-ai-conversations',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    conversations: [{
      id: 'c', title: 'Trip plans', createdAt: now, updatedAt: now,
      messages: [
        { id: 'q', role: 'user', content: 'Where should I go in autumn?', status: 'done', createdAt: now },
        { id: 'a', role: 'assistant', content: 'Kyoto has maple leaves in November.', status: 'done', createdAt: now + 1 },
      ],
    }],
  }))
  const input = page.getByTestId('import-conversations')
  await input.setInputFiles({ name: 'trip.json', mimeType: 'application/json', buffer: file })
  await expect(page.getByTestId('import-done')).toHaveText('Imported 1 conversation.')
  await input.setInputFiles({ name: 'trip.json', mimeType: 'application/json', buffer: file })
  await expect(page.getByTestId('import-done')).toHaveText('Nothing new: 1 conversation was already here and was skipped.')
  await expect(items).toHaveCount(2)

  await page.getByTestId('conversation-search').fill('maple')
  await expect(items).toHaveCount(1)
  await expect(items.first()).toHaveAttribute('data-title', 'Trip plans')
})
