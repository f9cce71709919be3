/** ModelManager core: status machine and events, history kept across a switch, fallback to Gemini, offline. */
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_MANAGER_CONFIG, type ManagerConfig } from '../../../src/engines/manager-config'
import { ModelManager, type ManagerEvent } from '../../../src/engines/model-manager'
import type { ChatMessage, ModelRef } from '../../../src/engines/types'
import { AppError } from '../../../src/protocol/errors'
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
    const result = await manager.runTurn({ messages: ask('hello') })
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
})
