/**
 * MCP tools through the real app: a real MCP server built with the official SDK (tests/fixtures/mcp-server.ts) on
 * 127.0.0.1, its tools listed in Settings and offered to the agent, whose replies come from the scripted
 * OpenAI-compatible fixture, so every step is deterministic. A read-only tool allowed in Settings runs without asking;
 * the side-effect tool asks first (refused: nothing reaches the server; allowed: it runs once); a tool error is an
 * observation; a server that is down is left out with a notice naming its error code.
 */
import { expect, test, type Page } from '@playwright/test'
import { startMcpServer, type McpFixture } from '../fixtures/mcp-server'
import { openai, startOpenAIServer, type ScriptedServer } from '../fixtures/openai-server'
import { ask, closeSettings, openApp, openSettings, showSetting } from './helpers'

let llm: ScriptedServer
let mcp: McpFixture
test.beforeEach(async () => {
  llm = await startOpenAIServer()
  mcp = await startMcpServer()
})
test.afterEach(async () => {
  await llm.close()
  await mcp.close()
})

type Request = { body: { tools?: Array<{ function: { name: string } }>, messages: Array<{ role: string, content?: string }> } }
const requests = () => llm.received as Request[]
const reply = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]').last()

/** Reloads once the service worker serves the page with every origin in connect-src (agent-app.spec.ts does the same). */
async function reloadUnderNewCsp(page: Page, origins: string[]): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready)
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null))
    await page.reload()
  for (const origin of origins)
    await expect.poll(() => page.evaluate(() => fetch('/').then(r => r.headers.get('content-security-policy') ?? ''))).toContain(origin)
  await page.reload()
}

/** The OpenAI-compatible fixture answers; the MCP fixture is added in Settings, then its tools are listed. */
async function configure(page: Page): Promise<void> {
  await openApp(page)
  await openSettings(page)
  await showSetting(page, 'setting-backend')
  await page.getByTestId('setting-backend').selectOption('openai-compat')
  await showSetting(page, 'setting-openai-url')
  await page.getByTestId('setting-openai-url').fill(`${llm.url}/v1`)
  await page.getByTestId('setting-openai-model').fill('fixture-model')
  await showSetting(page, 'mcp-add')
  await page.getByTestId('mcp-add').click()
  await page.getByTestId('mcp-url').fill(mcp.url)
  await page.getByTestId('mcp-name').fill('Team tools')
  await page.getByTestId('mcp-token').fill('mcp-secret-token')
  await closeSettings(page)
  await reloadUnderNewCsp(page, [llm.url, mcp.origin])
  await (await showSetting(page, 'mcp-refresh')).click()
  await expect(page.getByTestId('mcp-status')).toHaveText('3 tools offered.')
  await page.getByTestId('mcp-tool-lookup_capital').getByTestId('mcp-tool-allow').check()
  await closeSettings(page)
}

test('MCP tools join the agent: allowed ones run, the side-effect tool asks first, a tool error is an observation', async ({ page }) => {
  await configure(page)
  const consent = page.getByTestId('tool-consent')

  // Allowed in Settings: runs without asking, and its result goes back to the model.
  llm.script.push(openai.call('lookup_capital', { country: 'France' }), openai.text('The capital is Paris.'))
  expect(await ask(page, 'What is the capital of France?')).toContain('The capital is Paris.')
  await expect(consent).toHaveCount(0)
  const offered = requests()[0]!.body.tools?.map(t => t.function.name).sort()
  expect(offered).toEqual(['calculator', 'check_inventory', 'convert_units', 'create_ticket', 'datetime', 'lookup_capital', 'save_note', 'search_notes'])
  expect(requests()[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: 'The capital of France is Paris.' })
  expect(mcp.calls).toEqual(['lookup_capital'])
  expect(mcp.authorizations.every(a => a === 'Bearer mcp-secret-token')).toBe(true)

  // The side-effect tool asks first; refused, nothing reaches the server.
  llm.script.push(openai.call('create_ticket', { title: 'Printer <b>jam</b>' }), openai.text('I did not create it.'))
  await page.getByTestId('prompt').fill('File a ticket about the printer')
  await page.getByTestId('send').click()
  await expect(consent).toContainText('create_ticket')
  await expect(consent.getByTestId('tool-consent-args')).toContainText('Printer <b>jam</b>')
  await consent.getByTestId('tool-consent-deny').click()
  await expect(reply(page).getByTestId('message-content')).toContainText('I did not create it.')
  expect(requests().at(-1)!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: 'The user did not allow create_ticket to run.' })
  expect(mcp.tickets).toEqual([])

  // Allowed this time: it runs once.
  llm.script.push(openai.call('create_ticket', { title: 'Printer jam', priority: 'high' }), openai.text('Ticket created.'))
  await page.getByTestId('prompt').fill('Yes, file it')
  await page.getByTestId('send').click()
  await consent.getByTestId('tool-consent-allow').click()
  await expect(reply(page).getByTestId('message-content')).toContainText('Ticket created.')
  expect(mcp.tickets).toEqual([{ title: 'Printer jam', priority: 'high' }])
  expect(requests().at(-1)!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Created ticket #1: Printer jam' })

  // A tool that reports an error: the model reads it and answers.
  llm.script.push(openai.call('check_inventory', { item: 'toner' }), openai.text('The inventory is unavailable right now.'))
  await page.getByTestId('prompt').fill('How much toner is left?')
  await page.getByTestId('send').click()
  await consent.getByTestId('tool-consent-allow').click()
  await expect(reply(page).getByTestId('message-content')).toContainText('The inventory is unavailable right now.')
  expect(requests().at(-1)!.body.messages.at(-1)).toMatchObject({ role: 'tool', content: 'check_inventory failed: The inventory database is offline.' })
  await expect(page.getByTestId('error')).toHaveCount(0)
})

test('an MCP server that is down is left out with a notice, and the answer still comes', async ({ page }) => {
  await configure(page)
  await mcp.close()
  llm.script.push(openai.text('Answered without the team tools.'))
  expect(await ask(page, 'Hello')).toContain('Answered without the team tools.')
  await expect(page.getByTestId('fallback-notice')).toContainText('The MCP server Team tools was left out of this answer')
  await expect(page.getByTestId('fallback-notice')).toContainText('(mcp_unreachable)')
  expect(requests().at(-1)!.body.tools?.map(t => t.function.name)).not.toContain('lookup_capital')
  await expect(await showSetting(page, 'mcp-status')).toContainText('(mcp_unreachable)')
})

test('on the local model (SmolLM2 135M, tools on) with an MCP server: the turn ends, and only the allowed MCP tool can run', async ({ page }) => {
  test.setTimeout(300_000)
  await openApp(page)
  await openSettings(page)
  await showSetting(page, 'setting-tool-use')
  await page.getByTestId('setting-tool-use').selectOption('on')
  await page.getByTestId('mcp-add').click()
  await page.getByTestId('mcp-url').fill(mcp.url)
  await closeSettings(page)
  await reloadUnderNewCsp(page, [mcp.origin])
  await (await showSetting(page, 'mcp-refresh')).click()
  await expect(page.getByTestId('mcp-status')).toHaveText('3 tools offered.')
  // Only the read-only tool, allowed: no question can stop the turn, and nothing with side effects is offered.
  await page.getByTestId('mcp-tool-create_ticket').getByTestId('mcp-tool-on').uncheck()
  await page.getByTestId('mcp-tool-check_inventory').getByTestId('mcp-tool-on').uncheck()
  await page.getByTestId('mcp-tool-lookup_capital').getByTestId('mcp-tool-allow').check()
  await closeSettings(page)

  // The first message downloads and loads the recommended instruct model, then the agent runs with the MCP tool listed.
  await page.getByTestId('prompt').fill('What is the capital of France? Use lookup_capital.')
  await page.getByTestId('send').click()
  const last = page.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(last).toHaveAttribute('data-status', /^(done|error|stopped)$/, { timeout: 240_000 })
  await expect(last).toHaveAttribute('data-status', 'done')
  expect(mcp.calls.every(c => c === 'lookup_capital')).toBe(true)
  console.log(`local model + MCP: ${mcp.calls.length} lookup_capital call(s); answer: ${JSON.stringify((await last.getByTestId('message-content').textContent())?.slice(0, 120))}`)
})
