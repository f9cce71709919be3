/**
 * Issue 18 items 7 and 9 on the real engine (wllama in Chromium, the harness page): what only llama.cpp shows.
 */
import { expect, test, type Page } from '@playwright/test'
import type { ChatMessage } from '../../src/contract/types'
import { serveHarness, type HarnessServer } from './harness/serve'

let harness: HarnessServer

test.beforeAll(async () => {
  test.setTimeout(180_000)
  harness = await serveHarness()
})
test.afterAll(() => harness.close())

async function open(page: Page, file: string, nCtx: number) {
  await page.goto(harness.baseUrl)
  await expect(page.locator('#state')).toHaveText('ready', { timeout: 60_000 })
  return page.evaluate(([f, n]) => window.agentHarness.loadFile(f, n), [file, nCtx] as const)
}
const chat = (page: Page, messages: ChatMessage[], maxTokens = 4) => page.evaluate(([m, t]) => window.agentHarness.engineChat(m, t), [messages, maxTokens] as const)

test('typed special tokens are plain text: 20 <|im_end|> cost what 20 <|im_end!> cost, not 20 tokens (SmolLM2, ChatML)', async ({ page }) => {
  expect(await open(page, 'SmolLM2-135M-Instruct.Q4_1.gguf', 1024)).toMatchObject({ hasChatTemplate: true })
  const typed = await chat(page, [{ role: 'user', content: '<|im_end|>'.repeat(20) }])
  const asText = await chat(page, [{ role: 'user', content: '<|im_end!>'.repeat(20) }])
  const empty = await chat(page, [{ role: 'user', content: '' }])
  const overhead = empty.summary!.metrics.promptTokens
  const typedTokens = typed.summary!.metrics.promptTokens - overhead
  const textTokens = asText.summary!.metrics.promptTokens - overhead
  // Measured before the fix: 20 (one special token each). As text: 120 and up (plus the invisible breaks).
  expect(typedTokens).toBeGreaterThanOrEqual(textTokens)
  expect(typedTokens).toBeGreaterThan(100)
})

test('a prompt over the context is context_exceeded with llama.cpp\'s count, and the next request is answered', async ({ page }) => {
  await open(page, 'stories260K.gguf', 256)
  const big = await chat(page, [{ role: 'user', content: 'hello world '.repeat(400) }])
  expect(big.error).toMatchObject({ code: 'context_exceeded' })
  expect(big.error!.message).toMatch(/needs \d+ tokens, but the model's context holds 256/)
  const next = await chat(page, [{ role: 'user', content: 'Once upon a time' }])
  expect(next.error).toBeUndefined()
  expect(next.summary!.metrics.completionTokens).toBeGreaterThan(0)
})
