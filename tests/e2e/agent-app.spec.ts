/**
 * The model manager through the real app: a conversation starts on the local model (real wllama, stories260K), moves
 * to Gemini mid-conversation with its history, and a local turn whose worker dies is finished by Gemini with a notice.
 * Gemini is the protocol fixture on loopback driven by the real @google/genai SDK; only its base URL is a setting.
 * The OpenAI-compatible backend (llama-server, Ollama, vLLM) is driven the same way through its own fixture.
 */
import { expect, test, type Page } from '@playwright/test'
import { gemini, startGeminiServer, type ScriptedServer } from '../fixtures/gemini-server'
import { SCRIPT_MARKUP } from '../fixtures/hostile-markup'
import { openai, startOpenAIServer } from '../fixtures/openai-server'
import { ask, closeSettings, downloadStories, loadedModel, openApp, openSettings, setGreedy, startLongAnswer, showSetting } from './helpers'

const KEY = 'AIza-e2e-secret-key-0123456789'
let server: ScriptedServer

test.beforeEach(async () => {
  server = await startGeminiServer()
})
test.afterEach(async () => {
  await server.close()
})

/** Saves the key and the fixture's address; the CSP admits a saved endpoint from the next page load. */
async function configureGemini(page: Page, opts: { backend?: 'gemini' | 'auto', isFallbackOn?: boolean }): Promise<void> {
  await (await showSetting(page, 'setting-gemini-key')).fill(KEY)
  await page.getByTestId('save-gemini-key').click()
  await (await showSetting(page, 'setting-gemini-base-url')).fill(server.url)
  if (opts.isFallbackOn)
    await (await showSetting(page, 'setting-is-gemini-fallback-on')).check()
  if (opts.backend)
    await (await showSetting(page, 'setting-backend')).selectOption(opts.backend)
  await closeSettings(page)
}

/** Reloads once the service worker serves the page with the fixture's origin (`origin`, default Gemini's) in connect-src. */
async function reloadUnderNewCsp(page: Page, origin = server.url): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready)
  // On the first visit the page is not controlled yet: only a controlled page's fetch goes through the worker.
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null))
    await page.reload()
  await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain(origin)
  await page.reload()
}

/** Opens the app answering through the Gemini fixture; returns the native dialogs the page opens (none expected). */
async function openOnGemini(page: Page): Promise<string[]> {
  const dialogs: string[] = []
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss() })
  await openApp(page)
  await configureGemini(page, { backend: 'gemini' })
  await reloadUnderNewCsp(page)
  return dialogs
}

/** The texts of every `contents` part Gemini received in its last request. */
function lastGeminiTexts(): string[] {
  const body = server.received.at(-1)?.body as { contents?: Array<{ role: string, parts: Array<{ text?: string }> }> }
  return (body.contents ?? []).flatMap(c => c.parts.map(p => `${c.role}:${p.text ?? ''}`))
}

test('start local, switch to Gemini mid-conversation: the history goes with it', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await setGreedy(page, 24)
  const local = await ask(page, 'Once upon a time')
  expect(local.length).toBeGreaterThan(10)
  const reply = page.locator('[data-testid=chat-message][data-role=assistant]')
  await expect(reply.last().getByTestId('reply-backend')).toHaveText('wllama')

  await configureGemini(page, { backend: 'gemini' })
  // Saved settings reach the service worker's CSP on the next load; the conversation comes back from IndexedDB.
  await reloadUnderNewCsp(page)
  await expect(page.getByTestId('cloud-notice')).toBeVisible()
  await expect(reply).toHaveCount(1)

  server.script.push(gemini.text('Gemini ', 'continues the story.'))
  expect(await ask(page, 'What happened next?')).toContain('Gemini continues the story.')
  await expect(reply.last().getByTestId('reply-backend')).toHaveText('gemini')
  await expect(reply.first().getByTestId('reply-backend')).toHaveText('wllama')

  // Gemini received the whole conversation: the first question, the local model's answer, the new question.
  const sent = lastGeminiTexts()
  expect(sent[0]).toBe('user:Once upon a time')
  expect(sent[1]?.startsWith('model:')).toBe(true)
  expect(sent[1]!.replace(/^model:/, '').trim().slice(0, 10)).toBe(local.trim().slice(0, 10))
  expect(sent.at(-1)).toBe('user:What happened next?')
  // The key went in a header, never in the URL.
  expect(server.received.at(-1)?.headers['x-goog-api-key']).toBe(KEY)
  expect(server.received.every(r => !r.url.includes(KEY))).toBe(true)
})

test('the local worker dies mid-turn with fallback on: Gemini finishes the turn and the UI says so', async ({ page }) => {
  await openApp(page)
  await downloadStories(page)
  await configureGemini(page, { isFallbackOn: true })
  await reloadUnderNewCsp(page)
  await expect(loadedModel(page)).toHaveAttribute('data-loaded', 'local/models/stories260K.gguf')

  server.script.push(gemini.text('Gemini finished this answer.'))
  await startLongAnswer(page)
  const worker = page.workers().find(w => w.url().includes('inference.worker'))
  expect(worker, 'the inference worker is running').toBeDefined()
  await worker!.evaluate(() => { setTimeout(() => { throw new Error('simulated crash') }) })

  await expect(page.getByTestId('fallback-notice')).toContainText('Gemini answered this message instead')
  const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(reply.getByTestId('message-content')).toContainText('Gemini finished this answer.')
  await expect(reply.getByTestId('reply-backend')).toHaveText('gemini')
  await expect(reply.getByTestId('reply-fell-back')).toBeVisible()
  await expect(page.getByTestId('error')).toHaveCount(0)
  expect(server.received).toHaveLength(1)
})

test('Auto with no local model: Gemini answers when fallback is on with a key, and the chat says messages leave the device', async ({ page }) => {
  await openApp(page)
  await expect(page.getByTestId('send')).toBeDisabled()
  await configureGemini(page, { backend: 'auto', isFallbackOn: true })
  await reloadUnderNewCsp(page)
  await expect(page.getByTestId('cloud-notice')).toContainText('No local model is loaded, so Gemini answers')

  server.script.push(gemini.text('Gemini, standing in for a local model.'))
  expect(await ask(page, 'Hello')).toContain('Gemini, standing in for a local model.')
  await expect(page.locator('[data-testid=chat-message][data-role=assistant]').last().getByTestId('reply-backend')).toHaveText('gemini')
  expect(server.received).toHaveLength(1)

  // Fallback off: the next message stays on the device (it would download the recommended model first, as the chat
  // says: "next", since Gemini already answered one), and nothing more is sent to Gemini.
  await openSettings(page)
  await showSetting(page, 'setting-is-gemini-fallback-on')
  await page.getByTestId('setting-is-gemini-fallback-on').uncheck()
  await closeSettings(page)
  await expect(page.getByTestId('cloud-notice')).toHaveCount(0)
  await expect(page.getByTestId('first-message-hint')).toContainText('Your next message downloads')
  await expect(page.getByTestId('prompt')).toBeEnabled()
  expect(server.received).toHaveLength(1)
})

/** The script vectors of the one hostile corpus the untrusted-output suite uses (issue 17). */
const PAYLOADS = SCRIPT_MARKUP

test('script vectors streamed by a cloud model and echoed in a tool call render inert', async ({ page }) => {
  const dialogs = await openOnGemini(page)
  // A tool call whose argument carries markup (the calculator refuses it: the observation quotes it back), then an
  // answer streamed in pieces that are each a script vector.
  server.script.push(gemini.call('calculator', { expression: '<img src=x onerror="window.__pwned=1">' }))
  server.script.push(gemini.text(...PAYLOADS.map(p => `${p}\n\n`)))
  await ask(page, 'Show me something dangerous')
  const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(reply.getByTestId('message-content')).toContainText('click me')
  await reply.getByTestId('agent-steps').locator('summary').first().click()
  await expect(reply.getByTestId('agent-steps')).toContainText('calculator')
  for (const link of await reply.locator('a').all())
    await link.click({ modifiers: ['ControlOrMeta'] }).catch(() => {})
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined()
  expect(dialogs).toEqual([])
  expect(await reply.locator('script, [onerror], [onload], a[href^="javascript:"], img').count()).toBe(0)
  console.log(`untrusted stream: ${PAYLOADS.length} payloads streamed, 1 tool call echoed, 0 executed`)
})

/** The function responses Gemini received in its last request, as `name: result text`. */
function lastFunctionResponses(): string[] {
  const body = server.received.at(-1)?.body as { contents?: Array<{ parts: Array<{ functionResponse?: { name: string, response: unknown } }> }> }
  return (body.contents ?? []).flatMap(c => c.parts.flatMap(p => p.functionResponse ? [`${p.functionResponse.name}: ${JSON.stringify(p.functionResponse.response)}`] : []))
}

test('a tool with side effects asks in the chat first: refused, it does not run; allowed, it runs once', async ({ page }) => {
  const dialogs = await openOnGemini(page)
  const consent = page.getByTestId('tool-consent')

  server.script.push(gemini.call('save_note', { text: 'Buy <b>oat</b> milk' }), gemini.text('I did not save it.'))
  await page.getByTestId('prompt').fill('Remember to buy oat milk')
  await page.getByTestId('send').click()
  await expect(consent).toBeVisible()
  await expect(consent).toContainText('save_note')
  // What the model asked for is shown as text, never rendered.
  await expect(consent.getByTestId('tool-consent-args')).toContainText('Buy <b>oat</b> milk')
  await expect(consent.getByTestId('tool-consent-deny')).toBeFocused()
  expect(server.received).toHaveLength(1)
  await consent.getByTestId('tool-consent-deny').click()
  await expect(consent).toBeHidden()
  const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(reply.getByTestId('message-content')).toContainText('I did not save it.')
  expect(lastFunctionResponses().join('\n')).toContain('The user did not allow save_note to run.')

  server.script.push(gemini.call('save_note', { text: 'Buy oat milk' }), gemini.text('Saved.'))
  await page.getByTestId('prompt').fill('Yes, save it')
  await page.getByTestId('send').click()
  await consent.getByTestId('tool-consent-allow').click()
  await expect(reply.getByTestId('message-content')).toContainText('Saved.')
  expect(lastFunctionResponses().at(-1)).toMatch(/^save_note: .*Saved note /)

  // Stop while the question is on screen counts as no, and the question goes away.
  server.script.push(gemini.call('save_note', { text: 'never' }))
  await page.getByTestId('prompt').fill('Save another')
  await page.getByTestId('send').click()
  await expect(consent).toBeVisible()
  await page.getByTestId('stop').click()
  await expect(consent).toBeHidden()
  expect(dialogs).toEqual([])
})

test('the key never reaches logs, errors, exports or URLs, and Forget removes it from storage', async ({ page }) => {
  const logs: string[] = []
  page.on('console', m => logs.push(m.text()))
  page.on('pageerror', e => logs.push(String(e)))
  await openOnGemini(page)
  server.script.push(gemini.text('A fine answer.'))
  await ask(page, 'Hello')
  // A refusal whose body quotes the key, as a misconfigured proxy might: the app must not repeat it.
  server.script.push({ kind: 'status', status: 401, body: JSON.stringify({ error: { code: 401, message: `API key ${KEY} not valid` } }) })
  await page.getByTestId('prompt').fill('Again')
  await page.getByTestId('send').click()
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'request_rejected')
  const shown = await page.locator('body').innerText()

  const downloading = page.waitForEvent('download')
  await page.getByTestId('export-conversations').click()
  const exported = await (await downloading).createReadStream().then(async (s) => {
    let text = ''
    for await (const chunk of s) text += String(chunk)
    return text
  })
  expect(exported).toContain('A fine answer.')

  for (const [where, text] of [['page text', shown], ['export', exported], ['console', logs.join('\n')]] as const)
    expect(text, where).not.toContain(KEY)
  expect(server.received.every(r => !r.url.includes(KEY))).toBe(true)
  expect(server.received.every(r => r.headers['x-goog-api-key'] === KEY)).toBe(true)

  await openSettings(page)
  await showSetting(page, 'forget-gemini-key')
  await page.getByTestId('forget-gemini-key').click()
  await closeSettings(page)
  const stored = await page.evaluate(() => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('keyval-store')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const all = open.result.transaction('keyval').objectStore('keyval').getAll()
      all.onsuccess = () => resolve(JSON.stringify(all.result))
    }
  }))
  expect(stored).not.toContain(KEY)
  console.log(`secrets: key searched in page text, export, ${logs.length} console lines, ${server.received.length} request URLs and storage after Forget; found 0 times`)
})

test('an OpenAI-compatible server through the app: tools offered, a streamed tool call run and answered, the key in a header', async ({ page }) => {
  const local = await startOpenAIServer()
  try {
    await openApp(page)
    await openSettings(page)
    await showSetting(page, 'setting-backend')
    await page.getByTestId('setting-backend').selectOption('openai-compat')
    await showSetting(page, 'setting-openai-url')
    await page.getByTestId('setting-openai-url').fill(`${local.url}/v1`)
    await page.getByTestId('setting-openai-model').fill('qwen2.5-7b-instruct')
    await page.getByTestId('setting-openai-key').fill('sk-local-server-key')
    await closeSettings(page)
    await reloadUnderNewCsp(page, local.url)

    // The tool call's arguments stream in fragments, as llama-server and vLLM send them.
    local.script.push(openai.call('convert_units', { value: 5, from: 'km', to: 'mi' }), openai.text('5 km is ', 'about 3.1 miles.'))
    expect(await ask(page, 'How far is 5 km in miles?')).toContain('about 3.1 miles.')
    const reply = page.locator('[data-testid=chat-message][data-role=assistant]').last()
    await expect(reply.getByTestId('reply-backend')).toHaveText('openai-compat')
    await reply.getByTestId('agent-steps').locator('summary').first().click()
    await expect(reply.getByTestId('agent-steps')).toContainText('5 km = 3.106855961 mi')

    expect(local.received).toHaveLength(2)
    const [first, second] = local.received as Array<{ url: string, headers: Record<string, unknown>, body: { model: string, stream: boolean, tools?: Array<{ function: { name: string } }>, messages: Array<{ role: string, content?: string, tool_call_id?: string }> } }>
    expect(first!.url).toBe('/v1/chat/completions')
    expect(first!.headers.authorization).toBe('Bearer sk-local-server-key')
    expect(first!.body).toMatchObject({ model: 'qwen2.5-7b-instruct', stream: true })
    expect(first!.body.tools?.map(t => t.function.name).sort()).toEqual(['calculator', 'convert_units', 'datetime', 'save_note', 'search_notes'])
    // The second request carries the call's result back as a tool message.
    expect(second!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: '5 km = 3.106855961 mi' })
  }
  finally {
    await local.close()
  }
})
