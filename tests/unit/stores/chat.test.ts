// @vitest-environment happy-dom
/**
 * The chat store against a real WorkerService over a real InferenceConnection whose "worker" is a MessageChannel
 * running a real createWorkerHandler over a scripted engine: deltas, aborts and errors cross the same path as in the
 * app. The engine store hands out this service instead of its own (which would start a real Worker).
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InferenceConnection } from '../../../src/engines/inference-connection'
import type { ChatRequest, ChatSummary } from '../../../src/engines/types'
import type { ChatRun } from '../../../src/engines/worker-engine'
import { WorkerService } from '../../../src/engines/worker-service'
import { deleteStoredModel, putStoredModel } from '../../../src/models/manifest'
import { AppError } from '../../../src/protocol/errors'
import { useChatStore } from '../../../src/stores/chat'
import { useEngineStore } from '../../../src/stores/engine'
import { useModelsStore } from '../../../src/stores/models'
import { DEFAULT_DELTAS, STORIES, ScriptedEngine, closeFakeWorkers, fakeWorker, summaryOf } from '../engines/fakes'

/** A scripted engine that also keeps every chat request as the worker received it. */
class RecordingEngine extends ScriptedEngine {
  readonly requests: ChatRequest[] = []

  override chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    this.requests.push(req)
    return super.chat(req, run)
  }
}

const connections: InferenceConnection[] = []

/** A loaded model behind the engine store; `isLoaded: false` leaves the models store without one. */
async function setup({ isLoaded = true } = {}) {
  const worker = new RecordingEngine()
  const connection = new InferenceConnection(() => fakeWorker(worker).endpoint)
  connections.push(connection)
  const service = new WorkerService('wllama', connection, () => ({ nCtx: 512 }))
  await putStoredModel({
    ref: STORIES,
    fileName: 'stories260K.gguf',
    sizeBytes: 1_185_376,
    sha256: 'ab'.repeat(32),
    state: 'ready',
    hasChatTemplate: false,
    storedAt: 1_700_000_000_000,
  })
  await service.initialize(STORIES)

  const engine = useEngineStore()
  vi.spyOn(engine, 'localService').mockReturnValue(service)
  const chatSpy = vi.spyOn(service, 'chat')
  const models = useModelsStore()
  if (isLoaded)
    models.loaded = service.loadedModel
  return { chat: useChatStore(), engine, models, worker, chatSpy }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

afterEach(async () => {
  for (const c of connections.splice(0))
    c.dispose()
  closeFakeWorkers()
  vi.restoreAllMocks()
  await deleteStoredModel(STORIES.id)
})

describe('chat store', () => {
  it('appends the question and an answer that receives the deltas in order, then records the metrics', async () => {
    const { chat, engine, worker } = await setup()
    worker.turns.set('Tell me a story', { deltas: DEFAULT_DELTAS, holdAfter: 2 })

    const sending = chat.send('Tell me a story')
    expect(chat.isGenerating).toBe(true)
    await vi.waitFor(() => expect(worker.isHolding('Tell me a story')).toBe(true))
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('Once upon'))
    expect(chat.messages).toEqual([
      { id: 1, role: 'user', content: 'Tell me a story' },
      { id: 2, role: 'assistant', content: 'Once upon', isStreaming: true },
    ])
    expect(chat.isGenerating).toBe(true)
    expect(chat.lastMetrics).toBeNull()

    worker.release('Tell me a story')
    await sending

    expect(chat.messages).toEqual([
      { id: 1, role: 'user', content: 'Tell me a story' },
      { id: 2, role: 'assistant', content: 'Once upon a time', isStreaming: false, mode: 'completion' },
    ])
    expect(chat.isGenerating).toBe(false)
    expect(chat.error).toBeNull()
    expect(chat.lastMetrics).toEqual({ ...summaryOf(DEFAULT_DELTAS).metrics, queueWaitMs: expect.any(Number) })
    expect(engine.metrics).toEqual([chat.lastMetrics])
  })

  it('sets model_not_loaded and appends nothing when no model is loaded', async () => {
    const { chat, worker, chatSpy } = await setup({ isLoaded: false })

    await chat.send('hello')

    expect(chat.error).toBeInstanceOf(AppError)
    expect(chat.error?.code).toBe('model_not_loaded')
    expect(chat.messages).toEqual([])
    expect(chat.isGenerating).toBe(false)
    expect(chatSpy).not.toHaveBeenCalled()
    expect(worker.seen).toEqual([])
  })

  it('stop() ends the answer as stopped, without an error, and the next send works', async () => {
    const { chat, engine, worker } = await setup()
    worker.turns.set('long story', { deltas: ['It', ' was', ' dark'], holdAfter: 1 })

    const sending = chat.send('long story')
    await vi.waitFor(() => expect(worker.isHolding('long story')).toBe(true))
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('It'))
    chat.stop()
    await sending

    expect(chat.messages[1]).toEqual({ id: 2, role: 'assistant', content: 'It', isStreaming: false, isStopped: true })
    expect(chat.error).toBeNull()
    expect(chat.isGenerating).toBe(false)
    expect(chat.lastMetrics).toBeNull()
    expect(engine.metrics).toEqual([])

    await chat.send('again')

    expect(chat.messages.slice(2)).toEqual([
      { id: 3, role: 'user', content: 'again' },
      { id: 4, role: 'assistant', content: 'Once upon a time', isStreaming: false, mode: 'completion' },
    ])
    expect(chat.error).toBeNull()
    expect(worker.seen.map(s => s.prompt)).toEqual(['long story', 'again'])
  })

  it('sets the stream\'s error and stops the answer where it was when the model fails mid-answer', async () => {
    const { chat, engine, worker } = await setup()
    const failure = new AppError('inference_failed', 'The model failed while decoding (test).')
    worker.turns.set('fail', { deltas: ['Half', ' an'], failWith: failure })

    await chat.send('fail')

    expect(chat.error).toBeInstanceOf(AppError)
    expect(chat.error?.code).toBe('inference_failed')
    expect(chat.error?.message).toBe('The model failed while decoding (test).')
    expect(chat.messages[1]).toEqual({ id: 2, role: 'assistant', content: 'Half an', isStreaming: false })
    expect(chat.isGenerating).toBe(false)
    expect(chat.lastMetrics).toBeNull()
    expect(engine.metrics).toEqual([])
  })

  it('ignores a send while an answer is being generated', async () => {
    const { chat, worker } = await setup()
    worker.turns.set('first', { deltas: ['a'], holdAfter: 0 })
    const sending = chat.send('first')
    await vi.waitFor(() => expect(worker.isHolding('first')).toBe(true))

    await chat.send('second')
    expect(chat.messages.map(m => m.content)).toEqual(['first', ''])

    worker.release('first')
    await sending
    expect(worker.seen.map(s => s.prompt)).toEqual(['first'])
  })

  it('sends the earlier turns in order, as role and content only, with the settings\' sampling', async () => {
    const { chat, worker, chatSpy } = await setup()
    worker.turns.set('Who was there?', { deltas: ['A', ' cat'] })

    await chat.send('Tell me a story')
    await chat.send('Who was there?')

    expect(chat.error).toBeNull()
    expect(chatSpy).toHaveBeenCalledTimes(2)
    const expected: ChatRequest = {
      messages: [
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon a time' },
        { role: 'user', content: 'Who was there?' },
      ],
      sampling: { temperature: 0.7, maxTokens: 256 },
    }
    // What the store handed the service, and what reached the engine across the worker boundary.
    expect(chatSpy.mock.calls[1]?.[0]).toEqual(expected)
    expect(worker.requests[1]).toEqual(expected)
    expect(worker.requests[0]?.messages).toEqual([{ role: 'user', content: 'Tell me a story' }])
    expect(chat.messages.at(-1)?.content).toBe('A cat')
  })
})
