/**
 * Issue 16 item 4, through the real app answering from the scripted OpenAI-compatible fixture: a reply's code is
 * highlighted with its language and a working Copy button, tables have borders and scroll inside the bubble at
 * 360 px, raw HTML shows as the text the model wrote, there is no steps block when no tool ran, reasoning is a
 * collapsed "Thought for N s", and a long streamed reply is rendered far fewer times than it has deltas.
 * Screenshots of the reply at 1280 x 800 and 360 x 740, light and dark, go to docs/images/screens/rendering-*.png.
 */
import { mkdir } from 'node:fs/promises'
import { expect, test, type Page } from '@playwright/test'
import { openai, startOpenAIServer, type ScriptedServer } from '../fixtures/openai-server'
import { ask, closeSettings, openApp, openSettings, reloadUnderNewCsp, showSetting } from './helpers'

let llm: ScriptedServer
test.beforeEach(async () => {
  llm = await startOpenAIServer()
})
test.afterEach(async () => {
  await llm.close()
})

/** A reply as a model streams it: reasoning first, then code, a table and text with angle brackets. */
const REPLY = [
  '<think>They want a TypeScript helper and a comparison.', ' A table fits.</think>',
  'Here is a helper in **TypeScript**:\n\n',
  '```ts\n', 'export function greet(name: string): string {\n', '  // say hello\n', '  return `Hello, ${name}!`\n', '}\n', '```\n\n',
  'In Rust, a list of strings is `Vec<String>`; written plainly: Vec<String>.\n\n',
  '<dialog open>Sign in again</dialog>\n\n',
  'An inline <b>tag</b> stays text.\n\n',
  '| Language | Typing | First release | Package manager |\n', '|---|---|---|---|\n',
  '| TypeScript | static, structural | 2012 | npm_or_pnpm_or_yarn_or_bun |\n',
  '| Rust | static, nominal | 2015 | cargo |\n', '| Python | dynamic | 1991 | pip |\n\n',
  'That is all.',
]

async function configure(page: Page): Promise<void> {
  await openApp(page)
  await openSettings(page)
  await (await showSetting(page, 'setting-backend')).selectOption('openai-compat')
  await (await showSetting(page, 'setting-openai-url')).fill(`${llm.url}/v1`)
  await (await showSetting(page, 'setting-openai-model')).fill('fixture-model')
  await closeSettings(page)
  await reloadUnderNewCsp(page, [llm.url])
}

const lastReply = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]').last()

test('code is highlighted with its language and copies, tables have borders, raw HTML is text, no steps without tools, reasoning collapsed', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await configure(page)
  llm.script.push(openai.text(...REPLY))
  await ask(page, 'Show me a TypeScript greeting and compare languages')
  const reply = lastReply(page)
  const markdown = reply.getByTestId('reply-markdown')
  await expect(markdown).toContainText('That is all.')

  // Code: a language label, highlight.js spans (loaded lazily), a Copy button that copies the code and says so.
  const code = markdown.getByTestId('code-block')
  await expect(code.getByTestId('code-language')).toHaveText('ts')
  await expect(code.locator('code .hljs-keyword').first()).toHaveText('export')
  await expect(code.locator('code .hljs-comment')).toHaveText('// say hello')
  await code.getByTestId('copy-code').click()
  await expect(code.getByTestId('copy-code')).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('export function greet(name: string): string {\n  // say hello\n  return `Hello, ${name}!`\n}\n')

  // Table: every cell has a border.
  const cellBorders = await markdown.locator('table th, table td').evaluateAll(cells => cells.map(c => getComputedStyle(c).borderTopStyle + getComputedStyle(c).borderLeftWidth))
  expect(cellBorders.length).toBe(16)
  expect(new Set(cellBorders)).toEqual(new Set(['solid1px']))

  // Raw HTML is the model's text: shown, never parsed, never dropped.
  await expect(markdown).toContainText('a list of strings is Vec<String>; written plainly: Vec<String>.')
  await expect(markdown).toContainText('<dialog open>Sign in again</dialog>')
  await expect(markdown).toContainText('An inline <b>tag</b> stays text.')
  await expect(reply.locator('dialog, b')).toHaveCount(0)

  // No tool ran: no steps block (the answer is not repeated). Reasoning: collapsed, with how long it took.
  await expect(reply.getByTestId('agent-steps')).toHaveCount(0)
  const reasoning = reply.getByTestId('reply-reasoning')
  await expect(reasoning.locator('summary')).toHaveText(/^Thought for \d+ s$/)
  expect(await reasoning.evaluate(d => (d as HTMLDetailsElement).open)).toBe(false)
  await expect(reasoning.getByText('A table fits.')).toBeHidden()
  await expect(markdown).not.toContainText('A table fits.')
})

for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  for (const theme of ['light', 'dark'] as const) {
    test.describe(`${viewport.width} x ${viewport.height}, ${theme}`, () => {
      test.use({ viewport, colorScheme: theme })

      test('a reply with code and a table stays inside its bubble (screenshot)', async ({ page }, testInfo) => {
        await configure(page)
        llm.script.push(openai.text(...REPLY))
        await ask(page, 'Show me a TypeScript greeting and compare languages')
        const reply = lastReply(page)
        await expect(reply.locator('code .hljs-keyword').first()).toBeVisible()
        await page.getByTestId('prompt').blur()
        const layout = await reply.evaluate((bubble) => {
          const table = bubble.querySelector('table')!
          return {
            pageScrolls: document.scrollingElement!.scrollWidth > window.innerWidth,
            tableInside: table.getBoundingClientRect().right <= bubble.getBoundingClientRect().right + 1,
            tableScrolls: table.scrollWidth > table.clientWidth,
          }
        })
        // No page scroll sideways; on a phone the wide table scrolls inside the bubble instead.
        expect(layout).toEqual({ pageScrolls: false, tableInside: true, tableScrolls: viewport.width < 768 })
        await reply.getByTestId('code-block').scrollIntoViewIfNeeded()
        await mkdir('docs/images/screens', { recursive: true })
        const body = await page.screenshot({ path: `docs/images/screens/rendering-${viewport.width}-${theme}.png`, animations: 'disabled' })
        await testInfo.attach(`rendering-${viewport.width}-${theme}`, { body, contentType: 'image/png' })
      })
    })
  }
}

test('a long streamed reply is rendered far fewer times than it has deltas', async ({ page }) => {
  await configure(page)
  // 3,000 deltas, each its own SSE event a millisecond apart (each arrives in its own task, as from a real server).
  const deltas = Array.from({ length: 3000 }, (_, i) => i % 150 === 149 ? `word${i}.\n\n` : i % 40 === 39 ? `\`code${i}\` ` : `word${i} `)
  llm.script.push({ kind: 'stream', text: deltas, delayMs: 1 })
  // Count renders structurally: DOM mutation batches inside the reply's Markdown, one per render (a task or a frame).
  await page.evaluate(() => {
    const w = window as unknown as { __renders: number }
    w.__renders = 0
    new MutationObserver((records) => {
      if (records.some(r => (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-role=assistant] [data-testid=reply-markdown]')))
        w.__renders++
    }).observe(document.querySelector('[data-testid=messages]')!, { subtree: true, childList: true, characterData: true, attributes: true })
  })
  await ask(page, 'Write a long answer')
  await expect(lastReply(page).getByTestId('reply-markdown')).toContainText('word2999.')
  const renders = await page.evaluate(() => (window as unknown as { __renders: number }).__renders)
  expect(renders).toBeGreaterThan(0)
  expect(renders).toBeLessThan(deltas.length / 5)
})
