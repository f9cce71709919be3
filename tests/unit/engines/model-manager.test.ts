/** ModelManager core: status machine and events, history kept across a switch, fallback to Gemini, offline. */
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_MANAGER_CONFIG, type ManagerConfig } from '../../../src/orchestrator/manager-config'
import { ModelManager, type ManagerEvent } from '../../../src/orchestrator/model-manager'
import type { ChatMessage, ModelRef } from '../../../src/contract/types'
import { AppError } from '../../../src/shared/errors'
import { gemini, startGeminiServer, type ScriptedServer } from '../../fixtures/gemini-server'
import { ScriptedService } from '../agent/scripted-service'

const STORIES: ModelRef = { id: 'local/models/stories260K.gguf', repo: 'local/models', file: 'stories260K.gguf' }
const KEY = 'AIza-manager-test-key-987'

describe('ModelManager', () => {
  let server: ScriptedServer
  let local: ScriptedService
  let config: ManagerConfig
  let online: boolean
  let events: ManagerEvent[]
  let manager: ModelManager

  beforeEach(async () => {
    server = await startGeminiServer()
    local = new ScriptedService('wllama', { isLocal: true, hasNativeToolCalls: false, hasSchemaOutput: true })
    config = { ...DEFAULT_MANAGER_CONFIG, geminiApiKey: KEY, geminiBaseUrl: server.url, geminiModel: 'gemini-test', isFallbackEnabled: true }
    online = true
    events = []
    manager = new ModelManager({ local: { wllama: local }, config: () => config, isOnline: () => online })
    manager.on(e => events.push(e))
  })
  afterEach(() => server.close())

  const statuses = () => events.filter(e => e.type === 'status').map(e => e.type === 'status' && e.status)
  const ask = (content: string): ChatMessage[] => [{ role: 'user', content }]

  it('walks the status machine: loading, ready, generating, ready', async () => {
    local.script.push({ text: JSON.stringify({ thought: 't', tool: 'final_answer', answer: 'hi' }) })
    await manager.select('wllama', STORIES)
    // 'time' offers the datetime tool, so the turn is an agent step (with no tool in reach it would be a plain turn).
    const result = await manager.runTurn({ messages: ask('hello, what time is it?') })
    expect(statuses()).toEqual(['loading', 'ready', 'generating', 'ready'])
    expect(result).toMatchObject({ backend: 'wllama', answer: 'hi', outcome: 'answered', fellBack: false, strategy: 'schema' })
  })

  it('reports downloading while the model downloads', async () => {
    local.initialize = async (_m, opts) => {
      opts?.onProgress?.({ phase: 'download', loadedBytes: 1, totalBytes: 2, bytesPerSecond: 0 })
      opts?.onProgress?.({ phase: 'load', loadedBytes: 2, totalBytes: 2, bytesPerSecond: 0 })
    }
    await manager.select('wllama', STORIES)
    expect(statuses()).toEqual(['loading', 'downloading', 'loading', 'ready'])
  })

  it('a failed select is an error status with the code', async () => {
    local.initialize = async () => { throw new AppError('out_of_memory') }
    await expect(manager.select('wllama', STORIES)).rejects.toMatchObject({ code: 'out_of_memory' })
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'error', error: { code: 'out_of_memory' } })
  })

  it('switching to Gemini mid-conversation keeps the whole history, tool steps included', async () => {
    local.script.push(
      { text: JSON.stringify({ thought: 'add', tool: 'calculator', arguments: { expression: '6*7' } }) },
      { text: JSON.stringify({ thought: 'ok', tool: 'final_answer', answer: '42' }) },
    )
    await manager.select('wllama', STORIES)
    const first = await manager.runTurn({ messages: ask('6*7?') })
    const history = [...ask('6*7?'), ...first.messages]
    await manager.select('gemini', 'gemini-test')
    server.script.push(gemini.text('Still 42.'))
    const second = await manager.runTurn({ messages: [...history, { role: 'user', content: 'sure?' }] })
    expect(second).toMatchObject({ backend: 'gemini', answer: 'Still 42.' })
    const contents = (server.received[0]!.body as { contents: unknown[] }).contents
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: '6*7?' }] },
      { role: 'model', parts: [{ text: 'add' }, { functionCall: { id: 'call_1', name: 'calculator', args: { expression: '6*7' } } }] },
      { role: 'user', parts: [{ functionResponse: { id: 'call_1', name: 'calculator', response: { result: '42' } } }] },
      { role: 'model', parts: [{ text: '42' }] },
      { role: 'user', parts: [{ text: 'sure?' }] },
    ])
  })

  it.each(['worker_crashed', 'out_of_memory', 'load_failed', 'unsupported_device'] as const)('a local %s is retried on Gemini, with a fallback event', async (code) => {
    local.script.push({ error: new AppError(code) })
    server.script.push(gemini.text('Gemini here.'))
    await manager.select('wllama', STORIES)
    const result = await manager.runTurn({ messages: ask('hello') })
    expect(result).toMatchObject({ backend: 'gemini', fellBack: true, answer: 'Gemini here.', model: { id: 'gemini-test' } })
    expect(events.find(e => e.type === 'fallback')).toMatchObject({ from: 'wllama', to: 'gemini', reason: { code } })
    expect(server.received).toHaveLength(1)
    expect(manager.serviceId).toBe('wllama')
  })

  it('a model that failed to load: the next turn goes to Gemini', async () => {
    local.initialize = async () => { throw new AppError('load_failed') }
    const chat = local.chat.bind(local)
    local.chat = req => local.status().state === 'ready' ? chat(req) : (async function* () { throw new AppError('model_not_loaded') })()
    local.status = () => ({ state: 'error', errorCode: 'load_failed' })
    await expect(manager.select('wllama', STORIES)).rejects.toMatchObject({ code: 'load_failed' })
    server.script.push(gemini.text('Gemini instead.'))
    const result = await manager.runTurn({ messages: ask('hello') })
    expect(result).toMatchObject({ backend: 'gemini', fellBack: true, answer: 'Gemini instead.' })
    expect(events.find(e => e.type === 'fallback')).toMatchObject({ reason: { code: 'model_not_loaded' } })
    // Gemini answered: the manager is ready, although the local model is still in error.
    expect(manager.status).toBe('ready')
    expect(events.at(-1)).toEqual({ type: 'status', status: 'ready', serviceId: 'wllama', model: STORIES })
  })

  it.each([
    ['fallback is off', (c: ManagerConfig) => ({ ...c, isFallbackEnabled: false })],
    ['there is no key', (c: ManagerConfig) => ({ ...c, geminiApiKey: '' })],
  ])('no fallback when %s: the local error is reported', async (_why, change) => {
    config = change(config)
    local.script.push({ error: new AppError('worker_crashed') })
    await manager.select('wllama', STORIES)
    await expect(manager.runTurn({ messages: ask('hello') })).rejects.toMatchObject({ code: 'worker_crashed' })
    expect(events.some(e => e.type === 'fallback')).toBe(false)
    expect(server.received).toHaveLength(0)
    expect(manager.status).toBe('error')
  })

  it('a cancelled local turn is not sent to Gemini', async () => {
    local.script.push({ hang: true })
    await manager.select('wllama', STORIES)
    const controller = new AbortController()
    const p = manager.runTurn({ messages: ask('hello'), signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    expect((await p).outcome).toBe('aborted')
    expect(server.received).toHaveLength(0)
  })

  it('offline blocks Gemini at once with a clear error, and blocks fallback', async () => {
    online = false
    await manager.select('gemini', 'gemini-test')
    await expect(manager.runTurn({ messages: ask('hello') })).rejects.toMatchObject({ code: 'offline' })
    local.script.push({ error: new AppError('worker_crashed') })
    await manager.select('wllama', STORIES)
    await expect(manager.runTurn({ messages: ask('hello') })).rejects.toMatchObject({ code: 'worker_crashed' })
    expect(server.received).toHaveLength(0)
  })

  it('emits retry events for transient cloud errors', async () => {
    server.script.push({ kind: 'status', status: 429, retryAfter: '0' }, gemini.text('ok'))
    await manager.select('gemini', 'gemini-test')
    expect((await manager.runTurn({ messages: ask('hello') })).answer).toBe('ok')
    expect(events.find(e => e.type === 'retry')).toMatchObject({ serviceId: 'gemini', info: { delayMs: 0, error: { code: 'rate_limited' } } })
  })

  it('a missing Gemini key fails the select with missing_api_key', async () => {
    config = { ...config, geminiApiKey: '' }
    await expect(manager.select('gemini', 'gemini-test')).rejects.toMatchObject({ code: 'missing_api_key' })
  })

  it('tools switched off are not offered', async () => {
    config = { ...config, enabledTools: ['calculator'] }
    await manager.select('gemini', 'gemini-test')
    server.script.push(gemini.text('ok'))
    await manager.runTurn({ messages: ask('hello'), sampling: { temperature: 0.1, maxTokens: 77 } })
    expect((server.received[0]!.body as { generationConfig: unknown }).generationConfig).toMatchObject({ temperature: 0.1, maxOutputTokens: 77 })
    const tools = (server.received[0]!.body as { tools: Array<{ functionDeclarations: Array<{ name: string }> }> }).tools
    expect(tools[0]!.functionDeclarations.map(d => d.name)).toEqual(['calculator'])
  })

  it('a prompted local model under Auto is not offered the tools out of its reach; "Always" offers them', async () => {
    const answer = { text: JSON.stringify({ tool: 'final_answer', answer: 'Tuesday.' }) }
    await manager.select('wllama', STORIES)
    local.script.push(answer, answer)
    await manager.runTurn({ messages: ask('Save a note: the dentist is on Tuesday.') })
    config = { ...config, toolUse: 'on' }
    await manager.runTurn({ messages: ask('Save a note: the dentist is on Tuesday.') })
    const [auto, always] = local.requests.map(r => r.messages[0]!.content.split('Conversation:')[0]!)
    expect(auto).not.toMatch(/save_note/)
    expect(auto).toMatch(/search_notes\(query: string\)/)
    expect(always).toMatch(/save_note\(text: string\)/)
  })

  describe('a failed agent loop is answered without tools', () => {
    // 'notes' offers search_notes: without a tool in reach a prompted model gets a plain turn, and no loop to fail.
    const FRANCE = ask('What is the capital of France? Look in my notes.')
    const schemaStep = (tool: string, args: unknown) => JSON.stringify({ thought: 'search', tool, arguments: args })
    /** The loop's requests carry the step schema; the plain turn's does not. */
    const isPlain = (req: { responseSchema?: unknown }) => !req.responseSchema

    it.each([
      ['repeated_call', () => schemaStep('search_notes', { query: 'Paris' })],
      ['step_limit', (n: number) => schemaStep('calculator', { expression: `${n} + 1` })],
      ['invalid_calls', () => '{"thought": "x", "tool": "calcul'],
    ] as const)('%s: the plain reply is the answer, the loop\'s steps and metrics stay', async (reason, loopReply) => {
      let n = 0
      local.fallback = req => isPlain(req) ? { text: 'The capital of France is Paris.' } : { text: loopReply(n++) }
      config = { ...config, stepLimit: 3 }
      const log: string[] = []
      await manager.select('wllama', STORIES)
      const result = await manager.runTurn({
        // A prompted model is offered only the tools its request has cues for (tool-relevance.ts): the looping
        // calculator needs one.
        messages: reason === 'step_limit' ? ask('What is the capital of France? Calculate 1 + 1 too.') : FRANCE,
        onDelta: d => log.push(`delta:${d}`),
        onStep: s => log.push(`step:${s.kind}`),
        onAnswerReset: () => log.push('reset'),
      })
      expect(result).toMatchObject({ outcome: 'answered', answer: 'The capital of France is Paris.', recoveredWithoutTools: { reason }, backend: 'wllama', fellBack: false, strategy: 'schema' })
      expect(result.messages).toEqual([{ role: 'assistant', content: 'The capital of France is Paris.' }])
      expect(result.steps.length).toBeGreaterThan(0)
      expect(result.steps.some(s => s.kind === 'answer')).toBe(false)
      expect(result.metrics).toHaveLength(local.requests.length)
      expect(local.requests.filter(isPlain)).toHaveLength(1)
      // Computed afresh: not on top of the KV cache the tool prompt left behind.
      expect(local.requests.filter(isPlain)[0]!.promptReuse).toBe(false)
      // The reply is reset once the loop is over, then streams; no step comes after it.
      const reset = log.lastIndexOf('reset')
      expect(log.slice(reset + 1)).toEqual(['delta:The capital of France is Paris.'])
      expect(log.slice(0, reset).some(x => x.startsWith('step:'))).toBe(true)
      expect(manager.status).toBe('ready')
    })

    it('the plain reply sees the conversation as it was, without the failed tool messages', async () => {
      const history: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, ...ask('6*7?'), { role: 'assistant', content: '42' }, ...FRANCE]
      local.fallback = req => isPlain(req) ? { text: 'Paris.' } : { text: schemaStep('search_notes', { query: 'Paris' }) }
      await manager.select('wllama', STORIES)
      const result = await manager.runTurn({ messages: history })
      const plain = local.requests.find(isPlain)!
      expect(plain.messages).toEqual(history)
      expect(plain.messages.some(m => m.role === 'tool' || m.tool_calls)).toBe(false)
      expect(plain.tools).toBeUndefined()
      expect(result.recoveredWithoutTools).toEqual({ reason: 'repeated_call' })
    })

    it('a streamed answer the loop rejected is withdrawn before the plain reply streams', async () => {
      local.fallback = req => isPlain(req) ? { text: 'Paris.' } : { text: JSON.stringify({ thought: 'x', tool: 'final_answer', answer: '<answer for the user>' }) }
      let shown = ''
      await manager.select('wllama', STORIES)
      const result = await manager.runTurn({ messages: FRANCE, onDelta: (d) => { shown += d }, onAnswerReset: () => { shown = '' } })
      expect(result).toMatchObject({ answer: 'Paris.', recoveredWithoutTools: { reason: 'invalid_calls' } })
      expect(shown).toBe('Paris.')
    })

    it('an answered loop is not followed by a plain reply', async () => {
      local.script.push({ text: JSON.stringify({ thought: 't', tool: 'final_answer', answer: 'Paris.' }) })
      await manager.select('wllama', STORIES)
      const result = await manager.runTurn({ messages: FRANCE })
      expect(result.recoveredWithoutTools).toBeUndefined()
      expect(local.requests).toHaveLength(1)
    })

    it('Stop during the loop stays a stop: no plain reply', async () => {
      local.script.push({ text: schemaStep('calculator', { expression: '1' }) }, { hang: true })
      await manager.select('wllama', STORIES)
      const controller = new AbortController()
      const result = await manager.runTurn({ messages: FRANCE, signal: controller.signal, onStep: (s) => { if (s.kind === 'observation') setTimeout(() => controller.abort(), 10) } })
      expect(result.outcome).toBe('aborted')
      expect(result.recoveredWithoutTools).toBeUndefined()
      expect(local.requests.filter(isPlain)).toHaveLength(0)
    })

    it('Stop during the plain reply is an aborted turn that still says it recovered', async () => {
      local.fallback = req => isPlain(req) ? { hang: true } : { text: schemaStep('search_notes', { query: 'Paris' }) }
      await manager.select('wllama', STORIES)
      const controller = new AbortController()
      const result = await manager.runTurn({ messages: FRANCE, signal: controller.signal, onAnswerReset: () => setTimeout(() => controller.abort(), 10) })
      expect(result).toMatchObject({ outcome: 'aborted', recoveredWithoutTools: { reason: 'repeated_call' } })
    })

    it('a service error in the plain reply takes today\'s path: Gemini answers', async () => {
      local.fallback = req => isPlain(req) ? { error: new AppError('worker_crashed') } : { text: schemaStep('search_notes', { query: 'Paris' }) }
      server.script.push(gemini.text('Paris, from Gemini.'))
      await manager.select('wllama', STORIES)
      const result = await manager.runTurn({ messages: FRANCE })
      expect(result).toMatchObject({ backend: 'gemini', fellBack: true, answer: 'Paris, from Gemini.', outcome: 'answered' })
      expect(result.recoveredWithoutTools).toBeUndefined()
    })
  })
})
