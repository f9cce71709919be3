/**
 * Issue 18 item 7, the second choice: history that no longer fits the context is summarised instead of dropped. The
 * model writes a short summary of the turns that would be left out, the turn sends it in their place (in the system
 * message), the reply says so and returns the summary for the conversation to keep; the summary request itself fits
 * the context; a summary that cannot be written falls back to trimming. Trimming stays the default. Cloud services
 * get the same, once they name their context in a refusal.
 */
import { describe, expect, it } from 'vitest'
import { estimateTokens } from '../../../src/orchestrator/context-fit'
import { SUMMARY_HEADING, summarise, summaryTokens, withSummary } from '../../../src/orchestrator/history-summary'
import { DEFAULT_MANAGER_CONFIG } from '../../../src/orchestrator/manager-config'
import { ModelManager } from '../../../src/orchestrator/model-manager'
import { contextRefusal } from '../../../src/services/openai-compat/openai-compat-service'
import type { ChatMessage, ChatRequest } from '../../../src/contract/types'
import { AppError, deserializeError, serializeError } from '../../../src/shared/errors'
import { ScriptedService } from '../agent/scripted-service'

const N_CTX = 2048
const words = (n: number, w = 'word') => `${w} `.repeat(n).trim()
const isSummaryRequest = (req: ChatRequest) => req.messages[0]?.content.startsWith('You write short summaries') ?? false

/** llama.cpp with an `nCtx` context: a prompt over it is refused with the engine's count, before any answer. */
function model(nCtx = N_CTX, tokensPerChar = 0.25, caps: { isLocal?: boolean } = {}) {
  const s = new ScriptedService(caps.isLocal === false ? 'openai-compat' : 'wllama', { isLocal: caps.isLocal ?? true, hasNativeToolCalls: false, hasSchemaOutput: false, maxContextTokens: nCtx })
  const count = (req: ChatRequest) => req.messages.reduce((n, m) => n + 8 + Math.ceil(m.content.length * tokensPerChar), 0)
  const counted: number[] = []
  const chat = s.chat.bind(s)
  s.chat = (req, opts) => {
    const tokens = count(req)
    counted.push(tokens)
    if (tokens > nCtx) {
      s.requests.push(structuredClone(req))
      return (async function* () {
        throw deserializeError(serializeError(new AppError('context_exceeded', 'too long', { details: { promptTokens: tokens, nCtx } })))
      })()
    }
    return chat(req, opts)
  }
  s.fallback = req => ({ text: isSummaryRequest(req) ? 'The user wrote notes about foxes.' : 'fine' })
  return { service: s, counted }
}

async function manager(service: ScriptedService) {
  const m = new ModelManager({ local: { wllama: service }, config: () => DEFAULT_MANAGER_CONFIG, isOnline: () => true, createCloud: () => service })
  if (service.capabilities.isLocal)
    await m.select('wllama', { id: 'smol', repo: 'r', file: 'smol.gguf' })
  else
    await m.select('openai-compat', 'smol')
  return m
}

/** A chat of `turns` long turns and a short question at the end. */
function longChat(turns: number): ChatMessage[] {
  const history: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }]
  for (let i = 1; i <= turns; i++)
    history.push({ role: 'user', content: `${i}: ${words(600)}` }, { role: 'assistant', content: `reply ${i}: ${words(300)}` })
  history.push({ role: 'user', content: 'and now?' })
  return history
}

describe('summarise older turns', () => {
  it('trim stays the default: no summary is asked for, the oldest turns are dropped', async () => {
    const { service } = model()
    const m = await manager(service)
    const result = await m.runTurn({ messages: longChat(6), useTools: false })
    expect(service.requests.some(isSummaryRequest)).toBe(false)
    expect(result.notice?.code).toBe('history_trimmed')
    expect(result.summary).toBeUndefined()
  })

  it('the oldest turns are replaced by the model\'s summary, sent in the system message, and the reply says so', async () => {
    const { service, counted } = model()
    const m = await manager(service)
    const history = longChat(6)
    const result = await m.runTurn({ messages: history, useTools: false, historyPolicy: 'summarise' })
    expect(result.answer).toBe('fine')
    const summaryRequests = service.requests.filter(isSummaryRequest)
    expect(summaryRequests.length).toBeGreaterThan(0)
    // The summary request saw the oldest turn, word for word.
    expect(summaryRequests[0]!.messages.at(-1)!.content).toContain(`User: 1: ${words(20)}`)
    const sent = service.requests.at(-1)!.messages
    expect(sent[0]).toEqual({ role: 'system', content: `Be brief.\n\n${SUMMARY_HEADING}\nThe user wrote notes about foxes.` })
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'and now?' })
    expect(sent.some(m => m.content.startsWith('1: '))).toBe(false)
    expect(result.summary).toEqual({ text: 'The user wrote notes about foxes.', replaced: history.length - sent.length })
    expect(result.notice).toMatchObject({ code: 'history_summarised', message: expect.stringMatching(/summarised them and this answer saw the summary instead/) })
    // Every request fit the context: nothing was refused.
    expect(Math.max(...counted)).toBeLessThanOrEqual(N_CTX)
  })

  it('a conversation\'s earlier summary is sent in place of the messages it replaced, and folded into the next one', async () => {
    const { service } = model()
    const m = await manager(service)
    await m.runTurn({ messages: [{ role: 'user', content: 'hi' }], useTools: false, historySummary: 'Earlier: the user is Ada.' })
    expect(service.requests.at(-1)!.messages[0]).toEqual({ role: 'system', content: `${SUMMARY_HEADING}\nEarlier: the user is Ada.` })

    await m.runTurn({ messages: longChat(6).slice(1), useTools: false, historyPolicy: 'summarise', historySummary: 'Earlier: the user is Ada.' })
    expect(service.requests.find(isSummaryRequest)!.messages.at(-1)!.content).toMatch(/^Summary so far:\nEarlier: the user is Ada\./)
  })

  it('a summary that cannot be written (the model fails or writes nothing) falls back to trimming', async () => {
    const { service } = model()
    service.fallback = req => (isSummaryRequest(req) ? { error: new AppError('inference_failed', 'boom') } : { text: 'fine' })
    const m = await manager(service)
    const failed = await m.runTurn({ messages: longChat(6), useTools: false, historyPolicy: 'summarise' })
    expect(failed).toMatchObject({ answer: 'fine', notice: { code: 'history_trimmed' } })
    expect(failed.summary).toBeUndefined()

    service.fallback = req => ({ text: isSummaryRequest(req) ? '' : 'fine' })
    expect((await m.runTurn({ messages: longChat(6), useTools: false, historyPolicy: 'summarise' })).notice?.code).toBe('history_trimmed')
  })

  it('a Stop during the summary is a Stop, not a trim', async () => {
    const { service } = model()
    const controller = new AbortController()
    service.fallback = (req) => {
      if (isSummaryRequest(req))
        controller.abort()
      return { text: 'fine' }
    }
    const m = await manager(service)
    const err = await m.runTurn({ messages: longChat(6), useTools: false, historyPolicy: 'summarise', signal: controller.signal }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'aborted' })
  })

  it('the summary request fits a small context: turns are folded in a chunk at a time, a huge one cut', async () => {
    const nCtx = 256
    const { service, counted } = model(nCtx, 0.25)
    const state = { tokensPerChar: 0.25 }
    const dropped: ChatMessage[] = [
      { role: 'user', content: words(100, 'alpha') },
      { role: 'assistant', content: words(100, 'beta') },
      { role: 'user', content: words(2000, 'gamma') },
    ]
    await service.initialize({ id: 'm', repo: 'r', file: 'f' })
    const text = await summarise(service, undefined, dropped, { nCtx, state, estimate: estimateTokens })
    expect(text).toBe('The user wrote notes about foxes.')
    expect(service.requests.length).toBeGreaterThan(1)
    expect(Math.max(...counted)).toBeLessThanOrEqual(nCtx - summaryTokens(nCtx))
    for (const req of service.requests)
      expect(req.sampling).toMatchObject({ temperature: 0, maxTokens: summaryTokens(nCtx) })
    // The later requests carry the summary so far.
    expect(service.requests.at(-1)!.messages.at(-1)!.content).toMatch(/^Summary so far:/)
    expect(service.requests.at(-1)!.messages.at(-1)!.content).toContain('gamma')
  })

  it('the engine\'s count corrects a summary request that did not fit, and it is sent again smaller', async () => {
    const nCtx = 256
    // A script that takes half a token per character: twice the estimate.
    const { service, counted } = model(nCtx, 0.5)
    await service.initialize({ id: 'm', repo: 'r', file: 'f' })
    const state = { tokensPerChar: 0.25 }
    const text = await summarise(service, undefined, [{ role: 'user', content: words(60, 'ab') }, { role: 'assistant', content: words(60, 'cd') }], { nCtx, state, estimate: estimateTokens })
    expect(text).toBe('The user wrote notes about foxes.')
    expect(counted.some(n => n > nCtx)).toBe(true)
    expect(counted.at(-1)).toBeLessThanOrEqual(nCtx)
    expect(state.tokensPerChar).toBeGreaterThan(0.25)
  })

  it('a cloud server that names its context in a refusal gets the history fitted (and summarised) to it', async () => {
    const { service } = model(N_CTX, 0.25, { isLocal: false })
    const m = await manager(service)
    const result = await m.runTurn({ messages: longChat(6), useTools: false, historyPolicy: 'summarise' })
    expect(result).toMatchObject({ answer: 'fine', notice: { code: 'history_summarised', message: expect.stringMatching(/\(2048 tokens\)/) } })
    // The next turn is fitted before it is sent: no refusal first.
    const before = service.requests.length
    await m.runTurn({ messages: longChat(7), useTools: false })
    expect(service.requests.slice(before).filter(r => !isSummaryRequest(r))).toHaveLength(1)
  })

  it('withSummary puts the summary in the one system message', () => {
    expect(withSummary([{ role: 'user', content: 'q' }], 'S')).toEqual([{ role: 'system', content: `${SUMMARY_HEADING}\nS` }, { role: 'user', content: 'q' }])
    expect(withSummary([{ role: 'system', content: 'P' }, { role: 'user', content: 'q' }], 'S')[0]).toEqual({ role: 'system', content: `P\n\n${SUMMARY_HEADING}\nS` })
    expect(withSummary([{ role: 'user', content: 'q' }], '  ')).toEqual([{ role: 'user', content: 'q' }])
  })
})

describe('a server\'s context refusal', () => {
  it('reads llama-server\'s and the OpenAI-style (llama-cpp-python, vLLM) refusals with their numbers', () => {
    const llamaServer = JSON.stringify({ error: { code: 400, message: 'the request exceeds the available context size, try increasing it', type: 'exceed_context_size_error', n_prompt_tokens: 4100, n_ctx: 4096 } })
    expect(contextRefusal('The server at h:1', llamaServer)).toMatchObject({ code: 'context_exceeded', details: { promptTokens: 4100, nCtx: 4096 } })
    const openaiStyle = JSON.stringify({ error: { message: 'This model\'s maximum context length is 2048 tokens. However, you requested 2560 tokens (2512 in the messages, 48 in the completion). Please reduce the length of the messages or completion.', type: 'invalid_request_error' } })
    const err = contextRefusal('The server at h:1', openaiStyle)
    expect(err).toMatchObject({ code: 'context_exceeded', details: { promptTokens: 2512, nCtx: 2048 } })
    expect(err?.message).toMatch(/The server at h:1 .*2512 tokens.*2048/)
    expect(contextRefusal('x', JSON.stringify({ error: { message: 'model "x" not found' } }))).toBeUndefined()
  })
})
