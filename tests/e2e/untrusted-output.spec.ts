/**
 * Issue 8 item 5: model output and tool results are untrusted. A conversation holding the classic script vectors is
 * imported through the app's Import button and rendered by the same message components a streamed reply uses; every
 * payload would set `window.__pwned` or open a dialog if it ran. Nothing may run.
 */
import { expect, test, type Page } from '@playwright/test'
import { SPOOFING_MARKUP, beaconMarkup } from '../fixtures/hostile-markup'
import { openApp } from './helpers'

const PWN = 'window.__pwned=1;alert(1)'

/** Each payload, as a model (or a tool) could write it. */
const PAYLOADS = [
  `<script>${PWN}</script>`,
  `<img src="x" onerror="${PWN}">`,
  `[click me](javascript:${PWN})`,
  `<a href="javascript:${PWN}">click me too</a>`,
  `<svg xmlns="http://www.w3.org/2000/svg" onload="${PWN}"><script>${PWN}</script></svg>`,
  `<svg><a xlink:href="javascript:${PWN}"><text x="0" y="15">svg link</text></a></svg>`,
  `<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>`,
  `<details open ontoggle="${PWN}">toggle</details>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${PWN}"></style></mglyph></table></mtext></math>`,
  '![tracking pixel](/exfil.png?q=the-conversation)',
  '<img src="/exfil.png?q=raw-html">',
  '```html\n<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">\n```',
  `<form action="javascript:${PWN}"><button>submit</button></form>`,
]

function hostileExport(payloads: readonly string[] = PAYLOADS): string {
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
  const beacons: string[] = []
  page.on('request', (r) => { if (/\/beacon-/.test(r.url())) beacons.push(r.url()) })
  await openApp(page)
  const payloads = [...beaconMarkup(i => `/beacon-${i}.png?c=secret`), ...SPOOFING_MARKUP]
  await importText(page, hostileExport(payloads))
  await expect(page.getByTestId('import-done')).toHaveText('Imported 1 conversation.')
  const answer = page.locator('[data-testid=chat-message][data-role=assistant]')
  await expect(answer).toContainText('End of answer.')
  await answer.getByTestId('agent-steps').locator('summary').first().click()
  await expect(answer.getByTestId('tool-result')).toContainText('Sign in again')
  // Let anything lazy (images, backgrounds, preloads) start.
  await page.waitForLoadState('networkidle')
  await page.locator('[data-testid=messages]').hover()
  expect(beacons).toEqual([])

  const report = await answer.evaluate((bubble) => {
    const box = bubble.getBoundingClientRect()
    /** An element's visible rectangle: its box clipped by every ancestor (up to the bubble) that clips. */
    function visible(el: Element): DOMRect | null {
      let r = el.getBoundingClientRect()
      for (let a = el.parentElement; a && a !== bubble; a = a.parentElement) {
        if (getComputedStyle(a).overflow === 'visible')
          continue
        const c = a.getBoundingClientRect()
        const left = Math.max(r.left, c.left); const top = Math.max(r.top, c.top)
        const right = Math.min(r.right, c.right); const bottom = Math.min(r.bottom, c.bottom)
        if (right <= left || bottom <= top)
          return null
        r = new DOMRect(left, top, right - left, bottom - top)
      }
      return r
    }
    // A code block's frame (language label, Copy button) is the app's own: only the code inside it is the model's.
    const content = [...bubble.querySelectorAll('[data-testid=markdown] *')].filter(el => !el.closest('[data-testid=code-block]') || el.closest('code'))
    return {
      // The app's own drawers are dialogs too, so only the messages are searched for dialogs and forms.
      topLayer: document.querySelectorAll(':modal, :popover-open').length
        + bubble.querySelectorAll('dialog, [popover], form, input, textarea, select').length,
      positioned: content.filter(el => !['static', 'relative'].includes(getComputedStyle(el).position)).map(el => el.localName),
      outside: content.flatMap((el) => {
        const r = visible(el)
        return r && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
          ? [`${el.outerHTML.slice(0, 60)} at ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`]
          : []
      }),
      spoofing: content.filter(el => el.matches('[role], [class]:not(code, code span[class^="hljs-"]), [id], [name], [popover], [download], [style], [data-testid]')).map(el => el.outerHTML.slice(0, 80)),
    }
  })
  expect(report).toEqual({ topLayer: 0, positioned: [], outside: [], spoofing: [] })
})
