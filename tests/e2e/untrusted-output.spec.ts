/**
 * Issue 8 item 5: model output and tool results are untrusted. A conversation holding the classic script vectors is
 * imported through the app's Import button and rendered by the same message components a streamed reply uses; every
 * payload would set `window.__pwned` or open a dialog if it ran. Nothing may run.
 */
import { expect, test, type Page } from '@playwright/test'
import { gemini, startGeminiServer } from '../fixtures/gemini-server'
import { PWN, SCRIPT_MARKUP, SPOOFING_MARKUP, beaconMarkup, hostileCorpus } from '../fixtures/hostile-markup'
import { ask, closeSettings, openApp, reloadUnderCspFor, showSetting } from './helpers'
import { CONTAINED, expectNothingRan, layoutReport, watchUntrusted } from './untrusted-checks'

/** The whole corpus, each beacon with its own same-origin address (the CSP allows those: only the sanitiser stops them). */
const CORPUS = hostileCorpus(i => `/beacon-${i}.png?c=secret`)
/** Corpus entries that are plain text inside their markup, so a test can tell text shown as text from rendered HTML. */
const AS_TEXT = [SCRIPT_MARKUP[1]!, SPOOFING_MARKUP[0]!, SPOOFING_MARKUP[3]!]

function hostileExport(payloads: readonly string[] = SCRIPT_MARKUP): string {
  const now = Date.now()
  const content = `Here is my answer.\n\n${payloads.join('\n\n')}\n\nEnd of answer.`
  return JSON.stringify({
    format: 'local-ai-conversations',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    conversations: [{
      id: 'hostile',
      title: `<img src=x onerror="${PWN}">hostile`,
      createdAt: now,
      updatedAt: now,
      messages: [
        { id: 'q', role: 'user', content: `<script>${PWN}</script> please`, status: 'done', createdAt: now },
        {
          id: 'a',
          role: 'assistant',
          content,
          status: 'done',
          createdAt: now,
          backend: '<b onmouseover="window.__pwned=1">wllama</b>',
          model: 'stories260K.gguf',
          steps: [
            { kind: 'thought', text: `<img src=x onerror="${PWN}">` },
            { kind: 'tool_call', callId: 'c1', name: 'fetch_page', arguments: { html: `<script>${PWN}</script>` } },
            { kind: 'observation', callId: 'c1', name: 'fetch_page', content: payloads.join('\n\n'), isError: false },
            { kind: 'answer', text: `<svg onload="${PWN}"></svg>done` },
          ],
        },
      ],
    }],
  })
}

async function importText(page: Page, text: string, name = 'conversations.json'): Promise<void> {
  await page.getByTestId('import-conversations').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) })
}

test('script vectors in imported model output and tool results render inert', async ({ page, context }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const dialogs: string[] = []
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss() })
  // Images in model output are never fetched: they could carry the conversation to another server.
  const exfil: string[] = []
  page.on('request', (r) => { if (r.url().includes('exfil.png')) exfil.push(r.url()) })
  await openApp(page)

  await importText(page, hostileExport())
  await expect(page.getByTestId('import-done')).toHaveText('Imported 1 conversation.')
  const answer = page.locator('[data-testid=chat-message][data-role=assistant]')
  await expect(answer).toContainText('End of answer.')
  // The page really rendered the payloads: the code block shows its HTML as text, the steps open.
  const reply = answer.getByTestId('reply-markdown')
  await expect(reply.locator('pre code')).toContainText('<script>window.__pwned=1</script>')
  // The code block's Copy button (in the block's header) copies the HTML as text.
  await reply.getByTestId('code-block').getByTestId('copy-code').click()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">\n')
  // Agent steps are inline, one collapsed line per tool call, opening on its thought, arguments and result (issue 16).
  const steps = answer.getByTestId('agent-steps')
  await expect(steps.getByTestId('tool-result')).toBeHidden()
  await steps.locator('summary').click()
  await expect(steps.getByTestId('agent-step')).toHaveCount(1)
  await expect(steps.getByTestId('tool-thought')).toContainText('<img src=x onerror=')
  await expect(answer.getByTestId('tool-result')).toContainText('click me')
  await expect(answer.getByTestId('tool-arguments')).toContainText('<script>')

  // Give handlers a chance to fire: hover, click every link and toggle every details element.
  for (const link of await page.locator('[data-testid=messages] a').all())
    await link.click({ modifiers: ['ControlOrMeta'], force: true, timeout: 5_000 }).catch(() => undefined)
  await page.locator('[data-testid=messages]').hover()
  await page.screenshot({ path: testInfo.outputPath('untrusted-output.png'), fullPage: true })
  await testInfo.attach('untrusted-output', { path: testInfo.outputPath('untrusted-output.png'), contentType: 'image/png' })

  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined()
  expect(dialogs).toEqual([])
  expect(exfil).toEqual([])
  await expect(answer.getByTestId('reply-markdown')).toContainText('[image: tracking pixel]')
  const dom = await page.locator('[data-testid=messages]').evaluate((el) => {
    const all = [...el.querySelectorAll('*')]
    return {
      scripts: el.querySelectorAll('script, iframe, object, embed, form, svg, math, img').length,
      handlers: all.flatMap(n => [...n.attributes].filter(a => a.name.startsWith('on')).map(a => `${n.tagName} ${a.name}`)),
      jsLinks: all.flatMap(n => [...n.attributes].filter(a => /^\s*javascript:/i.test(a.value)).map(a => a.name)),
    }
  })
  expect(dom).toEqual({ scripts: 0, handlers: [], jsLinks: [] })
  // The title with markup is shown as text, not as an image.
  await expect(page.getByTestId('conversation').first()).toContainText('<img src=x')
})

/**
 * Issue 17 items 1 and 6: every URL-bearing attribute of the HTML spec (same-origin addresses, which the CSP allows,
 * so only the sanitiser can stop them) fetches nothing, and markup that could draw a dialog, a popover, a form or an
 * app-looking notice stays a plain box inside its message bubble.
 */
test('markup in model output and tool results fetches nothing and stays inside its bubble', async ({ page }) => {
  const watch = watchUntrusted(page)
  await openApp(page)
  const payloads = [...beaconMarkup(i => `/beacon-${i}.png?c=secret`), ...SPOOFING_MARKUP]
  await importText(page, hostileExport(payloads))
  await expect(page.getByTestId('import-done')).toHaveText('Imported 1 conversation.')
  const answer = page.locator('[data-testid=chat-message][data-role=assistant]')
  await expect(answer).toContainText('End of answer.')
  await answer.getByTestId('agent-steps').locator('summary').first().click()
  await expect(answer.getByTestId('tool-result')).toContainText('Sign in again')
  await expectNothingRan(page, watch, page.getByTestId('messages'))
  expect(await layoutReport(answer, '[data-testid=markdown] *')).toEqual(CONTAINED)
})

/** Issue 17: the whole corpus streamed by a cloud model (the Gemini protocol fixture) into the chat. */
test('the corpus streamed by a cloud model fetches nothing, runs nothing and stays inside its bubble', async ({ page }) => {
  const server = await startGeminiServer()
  try {
    const watch = watchUntrusted(page)
    await openApp(page)
    await (await showSetting(page, 'setting-gemini-key')).fill('AIza-e2e-untrusted-0123456789')
    await page.getByTestId('save-gemini-key').click()
    await (await showSetting(page, 'setting-gemini-base-url')).fill(server.url)
    await (await showSetting(page, 'setting-backend')).selectOption('gemini')
    await closeSettings(page)
    await reloadUnderCspFor(page, server.url)
    // Each entry its own streamed piece, so half-open markup sits in the DOM between pieces.
    server.script.push(gemini.text(...CORPUS.map(p => `${p}\n\n`), 'End of answer.'))
    await ask(page, 'Show me something dangerous')
    const answer = page.locator('[data-testid=chat-message][data-role=assistant]').last()
    await expect(answer.getByTestId('reply-markdown')).toContainText('End of answer.')
    await expect(answer.getByTestId('reply-markdown').locator('pre code').first()).toContainText('<script>window.__pwned=1</script>')
    for (const link of await answer.locator('a').all())
      await link.click({ modifiers: ['ControlOrMeta'], force: true, timeout: 5_000 }).catch(() => undefined)
    await expectNothingRan(page, watch, page.getByTestId('messages'))
    expect(await layoutReport(answer, '[data-testid=markdown] *')).toEqual(CONTAINED)
  }
  finally {
    await server.close()
  }
})

/** A GGUF (version 3, one F32 tensor) whose string metadata holds `meta`, written as llama.cpp lays it out. */
function ggufWithStrings(meta: Array<[string, string]>): Buffer {
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b }
  const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)])
  const kvs = meta.map(([k, v]) => Buffer.concat([str(k), u32(8), str(v)]))
  const tensor = Buffer.concat([str('w'), u32(1), u64(32), u32(0), u64(0)])
  const head = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(1), u64(kvs.length), ...kvs, tensor])
  return Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32 + 32 * 4)])
}

/**
 * Issue 17: GGUF metadata is untrusted too. A file whose name, architecture, general.name, description and chat
 * template hold the corpus is imported through the local-file import and shown on the Models screen; a file whose
 * metadata key is markup is refused with that key in the message, as text.
 */
test('the corpus in GGUF metadata and file names shows as text on the model card', async ({ page }) => {
  const watch = watchUntrusted(page)
  await openApp(page, '/models')
  const all = CORPUS.join(' ')
  const name = `${SCRIPT_MARKUP[1]!}.gguf`
  const bytes = ggufWithStrings([['general.architecture', `${AS_TEXT.join(' ')} ${all}`], ['general.name', all],
    ['general.description', all], ['tokenizer.chat_template', all], ['general.license', all]])
  await page.getByTestId('pick-local-file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes })
  const card = page.getByTestId('model-card').filter({ hasText: SCRIPT_MARKUP[1]! })
  await expect(card.getByTestId('model-state')).toHaveText('Downloaded')
  for (const text of AS_TEXT)
    await expect(card.getByTestId('model-facts')).toContainText(text)
  await expectNothingRan(page, watch, card)
  expect(await layoutReport(card)).toEqual(CONTAINED)

  // A metadata key that is markup: the refusal quotes it as text.
  const key = SPOOFING_MARKUP[0]!
  await page.getByTestId('pick-local-file').setInputFiles({ name: 'dup.gguf', mimeType: 'application/octet-stream', buffer: ggufWithStrings([['general.architecture', 'llama'], [key, 'a'], [key, 'b']]) })
  const error = page.getByTestId('error')
  await expect(error).toHaveAttribute('data-code', 'invalid_model_file')
  await expect(error).toContainText(key)
  await expectNothingRan(page, watch, error)
  expect(await layoutReport(error)).toEqual(CONTAINED)
})

/**
 * Issue 17: hub responses are untrusted. The hub (page.route over the e2e mirror's address) lists files whose paths
 * are corpus entries and answers errors whose bodies are; a repo id made of markup is refused before any request or
 * quoted as text. The paths show in the quantization picker and on the card of an added model.
 */
test('the corpus in hub answers shows as text in the picker, on the card and in errors', async ({ page }) => {
  const watch = watchUntrusted(page)
  const asked: string[] = []
  await page.route(/\/api\/models\//, async (route) => {
    const url = decodeURIComponent(route.request().url())
    asked.push(url)
    if (!url.includes('/api/models/hostile/'))
      return route.fallback()
    if (url.includes('/hostile/error/'))
      return route.fulfill({ status: 500, contentType: 'text/html', body: CORPUS.join('\n') })
    const listing = CORPUS.map((p, i) => ({ type: 'file', path: `${p}.gguf`, size: 1000 + i, oid: 'a'.repeat(40), lfs: { oid: 'b'.repeat(64), size: 1000 + i } }))
    return route.fulfill({ contentType: 'application/json', body: JSON.stringify(listing) })
  })
  await openApp(page, '/models')
  const repo = page.getByTestId('add-repo')
  await repo.fill('hostile/corpus')
  await page.getByTestId('list-files').click()
  const picker = page.getByTestId('pick-file')
  await expect(picker.locator('option')).not.toHaveCount(0)
  for (const text of AS_TEXT)
    await expect(picker).toContainText(text)
  expect(await layoutReport(picker)).toMatchObject({ live: [], spoofing: [] })
  // Two of them added: markup as a model's name, and a 2,000-character name that must wrap inside its card.
  const long = SPOOFING_MARKUP.at(-1)!
  for (const [file, shown] of [[SCRIPT_MARKUP[1]!, SCRIPT_MARKUP[1]!], [long, 'x'.repeat(2000)]] as const) {
    await page.getByTestId('list-files').click()
    await picker.selectOption(`${file}.gguf`)
    await page.getByTestId('add-model').click()
    const card = page.getByTestId('model-card').filter({ hasText: shown })
    await expect(card).toBeVisible()
    await expectNothingRan(page, watch, card)
    expect(await layoutReport(card)).toEqual(CONTAINED)
    await repo.fill('hostile/corpus')
  }

  // A hub error whose body is the corpus, and repo ids made of corpus entries: refused, quoted as text.
  const listError = page.getByTestId('list-error')
  // The error body is never shown; an id the app accepts (no space, one slash) is quoted as text in the hub's refusal;
  // one it does not is refused before any request.
  const refusals: Array<[string, string]> = [
    ['hostile/error', 'had a problem answering (HTTP 500)'],
    [SCRIPT_MARKUP[0]!, `has no public repository named "${SCRIPT_MARKUP[0]!}"`],
    [SPOOFING_MARKUP[0]!, 'Type the repository as owner/name'],
  ]
  for (const [id, said] of refusals) {
    await repo.fill(id)
    await page.getByTestId('list-files').click()
    await expect(listError).toContainText(said)
    await expectNothingRan(page, watch, listError)
    expect(await layoutReport(listError)).toEqual(CONTAINED)
  }
  expect(asked.some(u => u.includes('/hostile/corpus/'))).toBe(true)
  expect(asked.some(u => u.includes('<script>'))).toBe(true)
  expect(asked.some(u => u.includes('Sign in again'))).toBe(false)
})
