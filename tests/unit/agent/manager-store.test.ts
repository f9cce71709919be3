/** The Pinia shell mirrors the core's status and shows a notice when Gemini took over. */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_MANAGER_CONFIG } from '../../../src/orchestrator/manager-config'
import { useModelManagerStore } from '../../../src/stores/manager'
import { AppError } from '../../../src/shared/errors'
import { gemini, startGeminiServer, type ScriptedServer } from '../../fixtures/gemini-server'
import { ScriptedService } from './scripted-service'

describe('useModelManagerStore', () => {
  let server: ScriptedServer
  beforeEach(async () => {
    setActivePinia(createPinia())
    server = await startGeminiServer()
  })
  afterEach(() => server.close())

  it('mirrors status and sets the fallback notice', async () => {
    const local = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    local.script.push({ error: new AppError('worker_crashed') })
    server.script.push(gemini.text('From Gemini.'))
    const store = useModelManagerStore()
    store.init({ local: { wllama: local }, config: () => ({ ...DEFAULT_MANAGER_CONFIG, geminiApiKey: 'k-123456', geminiBaseUrl: server.url, isFallbackEnabled: true }), isOnline: () => true })
    await store.select('wllama', { id: 'local/m/x.gguf', repo: 'local/m', file: 'x.gguf' })
    expect(store.status).toBe('ready')
    const result = await store.runTurn({ messages: [{ role: 'user', content: 'hi' }] })
    expect(result.fellBack).toBe(true)
    expect(store.notice).toMatch(/Gemini answered/)
    expect(store.liveSteps).toEqual([{ kind: 'answer', text: 'From Gemini.' }])
    expect(store.status).toBe('ready')
  })

  it('runTurn before init is a clear error', async () => {
    await expect(useModelManagerStore().runTurn({ messages: [] })).rejects.toMatchObject({ code: 'model_not_loaded' })
  })
})
