/**
 * Issue 18 item 7: a first message of ~9.7k tokens into a 2,048 context failed as "the model failed... reload the
 * model", and a long chat reached the same state at turn 2 or 3. Now: history that no longer fits is trimmed oldest
 * first (system prompt and latest turn kept) and the reply says so; a message that cannot fit gets context_exceeded
 * with the numbers and the choices; the engine's count ("request (N tokens) exceeds...") corrects the estimate.
 */
import { describe, expect, it } from 'vitest'
import { fitHistory } from '../../../src/orchestrator/context-fit'
import { DEFAULT_MANAGER_CONFIG } from '../../../src/orchestrator/manager-config'
import { ModelManager } from '../../../src/orchestrator/model-manager'
import type { ChatMessage, ChatRequest } from '../../../src/contract/types'
import { AppError, deserializeError, serializeError } from '../../../src/shared/errors'
import { ScriptedService } from '../agent/scripted-service'

const N_CTX = 2048

/**
 * A local service that behaves like llama.cpp with a 2,048 context: a prompt of more than N_CTX tokens (here: one
 * token per 4 characters by default, plus 8 per message) is refused with the engine's count before anything is generated.
 */
function localModel(tokensPerChar = 0.25) {
  const s = new ScriptedService('wllama', { isLocal: true, hasNativeToolCalls: false, hasSchemaOutput: false, maxContextTokens: N_CTX })
  const count = (req: ChatRequest) => req.messages.reduce((n, m) => n + 8 + Math.ceil(m.content.length * tokensPerChar), 0)
  const chat = s.chat.bind(s)
  s.chat = (req, opts) => {
    const tokens = count(req)
    if (tokens > N_CTX) {
      s.requests.push(structuredClone(req))
      return (async function* () {
        throw deserializeError(serializeError(new AppError('context_exceeded', 'too long', { details: { promptTokens: tokens, nCtx: N_CTX } })))
      })()
    }
    return chat(req, opts)
  }
  return s
}

async function manager(service: ScriptedService) {
  const m = new ModelManager({ local: { wllama: service }, config: () => DEFAULT_MANAGER_CONFIG, isOnline: () => true })
  await m.select('wllama', { id: 'smol', repo: 'r', file: 'smol.gguf' })
  return m
}

const words = (n: number) => 'word '.repeat(n).trim()

describe('context fit', () => {
  it('drops the oldest whole turns and keeps the system prompt and the latest turn', () => {
    const history: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: words(400) },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'calculator', arguments: '{}' } }] },
      { role: 'tool', content: '42', tool_call_id: 'c' },
      { role: 'assistant', content: words(400) },
      { role: 'user', content: 'second' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'third' },
    ]
    const fitted = fitHistory(history, 100, 0.25)
    expect(fitted.messages.map(m => m.content)).toEqual(['Be brief.', 'second', 'ok', 'third'])
    expect(fitted.dropped).toBe(4)
    expect(fitHistory(history, 0, 0.25).messages.map(m => m.content)).toEqual(['Be brief.', 'third'])
  })

  it('a long chat keeps being answered: its oldest turns are left out and the reply says so', async () => {
    const local = localModel()
    local.fallback = () => ({ text: 'fine' })
    const m = await manager(local)
    const history: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }]
    for (let turn = 1; turn <= 8; turn++) {
      history.push({ role: 'user', content: `${turn}: ${words(600)}` })
      const result = await m.runTurn({ messages: history, useTools: false })
      expect(result.answer).toBe('fine')
      history.push({ role: 'assistant', content: words(300) })
    }
    const last = local.requests.at(-1)!.messages
    expect(last[0]).toEqual({ role: 'system', content: 'Be brief.' })
    expect(last.at(-1)?.content).toMatch(/^8: /)
    const result = await m.runTurn({ messages: [...history, { role: 'user', content: 'and now?' }], useTools: false })
    expect(result.notice).toMatchObject({ code: 'history_trimmed', message: expect.stringMatching(/oldest messages of this chat no longer fit in the model's context \(2048 tokens\)/) })
  })

  it('a trimmed history and a reply cut at the length limit: one notice under the history\'s code, saying both', async () => {
    const local = localModel()
    const length = { code: 'length' as const, message: 'The answer reached the length limit.', nextStep: 'Raise "Longest answer" in Settings.' }
    local.fallback = () => ({ text: 'cut', notice: length })
    const m = await manager(local)
    const history: ChatMessage[] = []
    for (let turn = 1; turn <= 12; turn++)
      history.push({ role: 'user', content: `${turn}: ${words(600)}` }, { role: 'assistant', content: words(300) })
    const result = await m.runTurn({ messages: [...history, { role: 'user', content: 'and now?' }], useTools: false })
    expect(result.notice).toMatchObject({ code: 'history_trimmed', message: expect.stringMatching(/no longer fit in the model's context .* The answer reached the length limit\./), nextStep: expect.stringContaining('Longest answer') })
    expect(result.finishReason).toBe('length')
  })

  it('a message that cannot fit fails with context_exceeded, its size, the context and the choices', async () => {
    const local = localModel()
    const m = await manager(local)
    const huge = words(7800) // ~9.7k tokens in this model
    const err = await m.runTurn({ messages: [{ role: 'user', content: huge }], useTools: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ code: 'context_exceeded', details: { promptTokens: 9758, nCtx: N_CTX } })
    expect((err as AppError).message).toMatch(/needs about 9758 tokens, but the model's context holds 2048 .*Shorten the message, raise the context size in Settings, or start a new chat/)
  })

  it('the engine\'s count corrects an estimate that let too much through, and the turn is answered', async () => {
    // Chinese: about a token per character, three times what the first estimate assumes.
    const local = localModel(1)
    local.fallback = () => ({ text: 'fine' })
    const m = await manager(local)
    const history: ChatMessage[] = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' as const : 'user' as const, content: '你好世界'.repeat(40) }))
    history.push({ role: 'user', content: '最后' })
    const result = await m.runTurn({ messages: history, useTools: false })
    expect(result.answer).toBe('fine')
    expect(local.requests.length).toBeGreaterThan(1)
    expect(result.notice?.code).toBe('history_trimmed')
    expect(local.requests[0]!.messages.length).toBeGreaterThan(local.requests.at(-1)!.messages.length)
  })

  it('details survive the worker boundary', () => {
    const e = deserializeError(serializeError(new AppError('context_exceeded', 'x', { details: { promptTokens: 802, nCtx: 256 } })))
    expect(e.details).toEqual({ promptTokens: 802, nCtx: 256 })
  })
})
