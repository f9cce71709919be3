/**
 * The agent conformance scenarios on real local wllama: stories260K.gguf in Chromium, schema-constrained output
 * compiled to a grammar by llama.cpp. The story model writes nonsense, but every step must be well-formed, tool calls
 * validated, run and fed back, malformed steps handled, the step limit and cancel honoured. Runs on a test-only
 * harness page (tests/e2e/harness/) built outside the production bundle.
 */
import { expect, test, type Page } from '@playwright/test'
import { Ajv } from 'ajv'
import type { AgentTurn } from '../../src/agent/react-loop'
import type { ChatRequest } from '../../src/contract/types'
import { gemini, startGeminiServer } from '../fixtures/gemini-server'
import { serveHarness, type HarnessServer } from './harness/serve'

type Run = { turn: AgentTurn, exchanges: Array<{ req: ChatRequest, text: string }> }

let harness: HarnessServer
let baseUrl: string

test.beforeAll(async () => {
  test.setTimeout(180_000)
  harness = await serveHarness()
  baseUrl = harness.baseUrl
})

test.afterAll(() => harness.close())

async function openHarness(page: Page): Promise<void> {
  await page.goto(baseUrl)
  await expect(page.locator('#state')).toHaveText('ready', { timeout: 60_000 })
}

function run(page: Page, opts: { strategy: 'schema' | 'text', prompt: string, stepLimit?: number, maxTokens?: number, seed?: number, abortAfterMs?: number }): Promise<Run> {
  return page.evaluate(o => window.agentHarness.run(o), opts) as Promise<Run>
}

/** Each model reply parses as JSON and matches the step schema the request carried. */
function expectWellFormed(r: Run): void {
  const ajv = new Ajv({ strict: false })
  for (const { req, text } of r.exchanges) {
    expect(req.responseSchema, 'the request carries the step schema').toBeDefined()
    const validate = ajv.compile(req.responseSchema!)
    expect(validate(JSON.parse(text)), `${text}\n${JSON.stringify(validate.errors)}`).toBe(true)
  }
  expect(r.turn.steps.filter(s => s.kind === 'observation' && s.name === 'invalid_step')).toEqual([])
}

test('schema-constrained steps on real wllama: tool calls parsed, validated, run and fed back; a final structure every time', async ({ page }) => {
  test.setTimeout(300_000)
  await openHarness(page)
  // The first call the model makes, in a turn that goes on after it (so the observation must be fed back).
  const firstCallAt = (r: Run) => r.exchanges.findIndex(e => JSON.parse(e.text).tool !== 'final_answer')
  let withCall: Run | undefined
  for (let seed = 1; seed <= 8 && !withCall; seed++) {
    const r = await run(page, { strategy: 'schema', prompt: 'What is 2 + 3? Use the calculator.', stepLimit: 3, seed })
    expectWellFormed(r)
    expect(['answered', 'step_limit', 'repeated_call']).toContain(r.turn.outcome)
    expect(r.exchanges.length).toBeLessThanOrEqual(3)
    const at = firstCallAt(r)
    if (at !== -1 && at < r.exchanges.length - 1)
      withCall = r
  }
  expect(withCall, 'some seed makes the model call a tool and go on').toBeDefined()
  const { turn, exchanges } = withCall!
  const calls = turn.steps.filter(s => s.kind === 'tool_call')
  for (const call of calls)
    expect(turn.steps.find(s => s.kind === 'observation' && s.callId === call.callId), `call ${call.callId} has its observation`).toBeDefined()
  const firstObs = turn.steps.find(s => s.kind === 'observation')
  expect(firstObs?.kind).toBe('observation')
  if (firstObs?.kind === 'observation')
    expect(exchanges[firstCallAt(withCall!) + 1]!.req.messages[0]!.content).toContain(`Observation (${firstObs.name}): ${firstObs.content}`)
  console.log(`wllama transcript: ${JSON.stringify(turn.steps).slice(0, 600)}`)
})

test('a malformed step (output cut by the token limit) is answered with an error; the second one ends the turn (invalid_calls)', async ({ page }) => {
  await openHarness(page)
  const r = await run(page, { strategy: 'schema', prompt: 'What is 2 + 3?', stepLimit: 3, maxTokens: 6 })
  expect(r.exchanges).toHaveLength(2)
  expect(r.turn.outcome).toBe('invalid_calls')
  const invalid = r.turn.steps.filter(s => s.kind === 'observation' && s.name === 'invalid_step')
  expect(invalid).toHaveLength(2)
  expect(r.exchanges[1]!.req.messages[0]!.content).toContain('That reply was not a valid step')
})

test('the text strategy reads a base model\'s prose as its answer', async ({ page }) => {
  await openHarness(page)
  // 'add' offers the calculator: with no tool in reach the turn would be a plain reply, not a text-strategy step.
  const r = await run(page, { strategy: 'text', prompt: 'Once upon a time, a child learned to add', stepLimit: 2, maxTokens: 24 })
  expect(r.exchanges[0]!.req.responseSchema).toBeUndefined()
  expect(['answered', 'step_limit']).toContain(r.turn.outcome)
  expect(r.turn.steps.length).toBeGreaterThan(0)
})

test('cancel stops a turn on real wllama', async ({ page }) => {
  await openHarness(page)
  const r = await run(page, { strategy: 'schema', prompt: 'What is 2 + 3?', stepLimit: 6, abortAfterMs: 30 })
  expect(r.turn.outcome).toBe('aborted')
  expect(r.exchanges.length).toBeLessThan(6)
})

test('in the browser: a local turn, a switch to Gemini with the history, then a local failure mid-turn falls back to Gemini', async ({ page }) => {
  const gem = await startGeminiServer()
  try {
    gem.script.push(gemini.text('Gemini sees the history.'), gemini.text('Gemini finished the failed turn.'))
    await openHarness(page)
    const r = await page.evaluate(url => window.agentHarness.managerScenario(url), gem.url)
    expect(r.first.backend).toBe('wllama')
    expect(r.second).toMatchObject({ backend: 'gemini', fellBack: false, answer: 'Gemini sees the history.' })
    expect(r.third).toMatchObject({ backend: 'gemini', fellBack: true, answer: 'Gemini finished the failed turn.' })
    expect(r.events.some(e => /^fallback:wllama->gemini:/.test(e))).toBe(true)
    // Gemini got the whole conversation, the local turn included, and the key only in its header.
    const contents = (gem.received[0]!.body as { contents: Array<{ role: string, parts: Array<{ text?: string }> }> }).contents
    expect(contents[0]).toEqual({ role: 'user', parts: [{ text: 'What is 2 + 3?' }] })
    expect(contents.at(-1)).toEqual({ role: 'user', parts: [{ text: 'And on Gemini?' }] })
    expect(contents.length).toBeGreaterThanOrEqual(3)
    const third = (gem.received[1]!.body as { contents: Array<{ parts: Array<{ text?: string }> }> }).contents
    expect(third.at(-1)!.parts[0]!.text).toBe('Back to local.')
    for (const req of gem.received) {
      expect(req.headers['x-goog-api-key']).toBe('AIza-browser-test-key')
      expect(req.url).not.toContain('AIza')
    }
  }
  finally {
    await gem.close()
  }
})

test('with a chat template, the schema goes through wllama\'s chat path (response_format) and the steps stay well-formed', async ({ page }) => {
  await openHarness(page)
  await page.evaluate(() => window.agentHarness.reload('chatml'))
  const r = await run(page, { strategy: 'schema', prompt: 'What is 2 + 3?', stepLimit: 2 })
  expectWellFormed(r)
  expect(r.exchanges.length).toBeGreaterThan(0)
})
