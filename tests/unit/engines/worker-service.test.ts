/**
 * WorkerService (the AIService contract for the local engines) over a real InferenceConnection whose "workers" are
 * MessageChannels running a real createWorkerHandler over a scripted engine. The manifest lives in fake-indexeddb.
 */
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InferenceConnection } from '../../../src/services/local/inference-connection'
import type { ChatChunk, ChatRequest, ServiceState } from '../../../src/contract/types'
import { WorkerService, type LoadOptions, type LocalServiceId } from '../../../src/services/local/worker-service'
import { deleteStoredModel, putStoredModel, type StoredModel } from '../../../src/models/manifest'
import type { LoadRequest } from '../../../src/contract/messages'
import { DEFAULT_DELTAS, STORIES, closeFakeWorkers, collect, fakeWorker, rejection, texts, type FakeWorker } from './fakes'

/** The OPFS name differs from the hub's file name, so a test can tell which one reached the worker. */
const STORED: StoredModel = {
  ref: STORIES,
  fileName: 'ggml-org--models--stories260K.gguf',
  sizeBytes: 1_185_376,
  sha256: 'ab'.repeat(32),
  state: 'ready',
  hasChatTemplate: false,
  storedAt: 1_700_000_000_000,
}

const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'hello' }], sampling: { temperature: 0, maxTokens: 8 } }

const connections: InferenceConnection[] = []

function setup(id: LocalServiceId = 'wllama', loadOptions: () => LoadOptions = () => ({})) {
  const workers: FakeWorker[] = []
  const connection = new InferenceConnection(() => {
    const worker = fakeWorker()
    workers.push(worker)
    return worker.endpoint
  })
  connections.push(connection)
  const service = new WorkerService(id, connection, loadOptions)
  return { service, connection, workers, worker: (i: number) => workers[i]! }
}

/** The load request the worker should receive for the stored model with `options`. */
function expectedLoad(options: LoadOptions): LoadRequest {
  return { ...options, engine: 'wllama', model: STORIES, fileName: STORED.fileName, fileSizes: [STORED.sizeBytes] }
}

/** A navigator whose WebGPU answers `adapter` (null: no adapter), as the worker's env probe sees it. */
function stubGpu(adapter: { features: string[], limits: Record<string, number> } | null) {
  vi.stubGlobal('navigator', { hardwareConcurrency: 4, gpu: { requestAdapter: async () => adapter } })
}

beforeEach(async () => {
  await deleteStoredModel(STORIES.id)
})

afterEach(() => {
  for (const c of connections.splice(0))
    c.dispose()
  closeFakeWorkers()
  vi.unstubAllGlobals()
})

describe('WorkerService.isSupported', () => {
  it('says wllama is supported from the worker env, even without a GPU adapter', async () => {
    stubGpu(null)
    const { service } = setup('wllama')
    expect(await service.isSupported()).toEqual({ isSupported: true })
  })

  it('says webllm is not supported, with the probe\'s reason, when the GPU has no adapter', async () => {
    stubGpu(null)
    const { service } = setup('webllm')
    expect(await service.isSupported()).toEqual({
      isSupported: false,
      reason: 'WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled).',
    })
  })

  it('says webllm is supported when the GPU has an adapter', async () => {
    stubGpu({ features: ['shader-f16'], limits: { maxBufferSize: 1 << 30 } })
    const { service } = setup('webllm')
    expect(await service.isSupported()).toEqual({ isSupported: true })
  })
})

describe('WorkerService.initialize', () => {
  it.each([
    ['no manifest entry', null],
    ['a partial download', { ...STORED, state: 'partial' } satisfies StoredModel],
  ])('rejects model_not_found for a model with %s, loads nothing, and reports the error', async (_, entry) => {
    if (entry)
      await putStoredModel(entry)
    const { service, worker } = setup()

    const err = await rejection(service.initialize(STORIES))

    expect(err.code).toBe('model_not_found')
    expect(err.message).toBe('"stories260K.gguf" is not downloaded in this browser yet. Download it first.')
    expect(service.status()).toEqual({ state: 'error', model: STORIES, errorCode: 'model_not_found' })
    expect(service.loadedModel).toBeNull()
    expect(worker(0).engine.loads).toEqual([])
  })

  it('loads a stored model in the worker with its stored file name and the load options read at load time', async () => {
    await putStoredModel(STORED)
    let options: LoadOptions = { nCtx: 4096 }
    const { service, worker } = setup('wllama', () => options)
    // The callback is read when loading, not when the service is built: settings may change in between.
    options = { nCtx: 1024, nThreads: 2, nGpuLayers: 0, idleUnloadMs: 0 }

    const loading = service.initialize(STORIES)
    expect(service.status()).toEqual({ state: 'loading', model: STORIES })
    await loading

    expect(worker(0).engine.loads).toEqual([expectedLoad(options)])
    expect(service.status()).toEqual({ state: 'ready', model: STORIES })
    expect(service.capabilities).toEqual({ isLocal: true, hasNativeToolCalls: false, maxContextTokens: 1024, isStreaming: true, hasSchemaOutput: true })
    expect(service.loadedModel).toEqual(worker(0).engine.model)
    expect(service.loadedModel?.nCtx).toBe(1024)
    expect(service.loadedModel?.model).toEqual(STORIES)
  })

  it.each([
    [true, '', true],
    [false, '', false],
    [true, 'chatml', false],
  ])('offers native tool calls when the model\'s template handles tools (%s) and Settings set no template (%j): %s', async (hasToolSupport, chatTemplate, expected) => {
    const facts = { architecture: 'llama', parameterCount: 1, hasChatTemplate: true, hasToolSupport }
    await putStoredModel({ ...STORED, hasChatTemplate: true, facts })
    const { service } = setup('wllama', () => (chatTemplate ? { chatTemplate } : {}))
    await service.initialize(STORIES)
    expect(service.capabilities.hasNativeToolCalls).toBe(expected)
  })
})

describe('WorkerService.chat', () => {
  it('streams the deltas then a done chunk, busy during the stream and ready after', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    await service.initialize(STORIES)

    const chunks: ChatChunk[] = []
    const states: ServiceState[] = []
    for await (const chunk of service.chat(REQUEST)) {
      chunks.push(chunk)
      states.push(service.status().state)
    }

    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    const done = chunks.at(-1)
    expect(done?.type === 'done' && done.summary.text).toBe('Once upon a time')
    expect(done?.type === 'done' && done.summary.metrics.completionTokens).toBe(DEFAULT_DELTAS.length)
    // The scripted story model ends at the length limit, as a text-continuation model always does: no notice.
    expect(done?.type === 'done' && done.summary.notice).toBeUndefined()
    expect(states).toEqual(chunks.map(() => 'busy'))
    expect(service.status()).toEqual({ state: 'ready', model: STORIES })
    expect(worker(0).engine.seen.map(s => s.prompt)).toEqual(['hello'])
  })

  it('follows a thread count the engine settled during the session (a clearly slower count dropped after one chat)', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    await service.initialize(STORIES)
    expect(service.loadedModel).toMatchObject({ threads: 1, threadSource: 'single' })
    const engine = worker(0).engine
    const chat = engine.chat.bind(engine)
    // The engine loaded the model again at another count before this reply (wllama-engine.ts applyLearnt).
    vi.spyOn(engine, 'chat').mockImplementation(async (req, run) => {
      const summary = await chat(req, run)
      return { ...summary, metrics: { ...summary.metrics, threads: 2 } }
    })
    await collect(service.chat(REQUEST))
    expect(service.loadedModel).toMatchObject({ threads: 2, threadSource: 'measured' })
  })

  it('a chat model\'s reply cut at the length limit says so, instead of ending silently', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    await service.initialize(STORIES)
    worker(0).engine.turns.set('hello', { deltas: ['It', ' was'], mode: 'chat' })
    const done = (await collect(service.chat(REQUEST))).at(-1)
    expect(done?.type === 'done' && done.summary.notice).toMatchObject({ code: 'length', nextStep: expect.stringContaining('Longest answer') })
  })

  it('rejects model_not_loaded before initialize, without asking the worker', async () => {
    const { service, worker } = setup()
    const err = await rejection(collect(service.chat(REQUEST)))
    expect(err.code).toBe('model_not_loaded')
    expect(worker(0).engine.seen).toEqual([])
    expect(service.status()).toEqual({ state: 'idle' })
  })

  it('rejects model_not_loaded while the model is still loading', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    const loading = service.initialize(STORIES)
    const err = await rejection(collect(service.chat(REQUEST)))
    expect(err.code).toBe('model_not_loaded')
    await loading
    expect(worker(0).engine.seen).toEqual([])
  })

  it('after the worker crashes mid-stream, rejects that chat with worker_crashed and the next chat reloads the model', async () => {
    await putStoredModel(STORED)
    const options: LoadOptions = { nCtx: 512 }
    const { service, connection, workers, worker } = setup('wllama', () => options)
    await service.initialize(STORIES)
    worker(0).engine.turns.set('running', { deltas: ['One', ' two'], holdAfter: 1 })

    const deltas: string[] = []
    const running = rejection((async () => {
      for await (const chunk of service.chat({ messages: [{ role: 'user', content: 'running' }] })) {
        if (chunk.type === 'delta')
          deltas.push(chunk.text)
      }
    })())
    await vi.waitFor(() => {
      expect(worker(0).engine.isHolding('running')).toBe(true)
      expect(deltas).toEqual(['One'])
    })
    expect(service.status().state).toBe('busy')
    // A Worker fires 'error' on an uncaught exception or a wasm abort; Node 20 has no ErrorEvent, so a plain Event.
    worker(0).port.dispatchEvent(new Event('error'))

    expect((await running).code).toBe('worker_crashed')
    expect(service.status()).toEqual({ state: 'ready', model: STORIES })
    expect(workers).toHaveLength(2)
    expect(worker(1).engine.loads).toEqual([])

    const chunks = await collect(service.chat(REQUEST))

    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(worker(1).engine.loads).toEqual([expectedLoad(options)])
    expect(worker(1).engine.seen.map(s => s.prompt)).toEqual(['hello'])
    expect(connection.restartCount).toBe(1)
    expect(service.status()).toEqual({ state: 'ready', model: STORIES })
  })
})

describe('WorkerService.dispose', () => {
  it('unloads the model in the worker, goes idle, and refuses chats afterwards', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    await service.initialize(STORIES)
    expect(worker(0).engine.model).not.toBeNull()

    await service.dispose()

    expect(worker(0).engine.unloadCount).toBe(1)
    expect(worker(0).engine.model).toBeNull()
    expect(service.status()).toEqual({ state: 'idle' })
    expect(service.loadedModel).toBeNull()
    const err = await rejection(collect(service.chat(REQUEST)))
    expect(err.code).toBe('model_not_loaded')
    expect(worker(0).engine.seen).toEqual([])
    // The connection does not reload an unloaded model behind the user's back.
    expect(worker(0).engine.loads).toHaveLength(1)
  })
})

describe('WorkerService after a failed load', () => {
  it('refuses to chat instead of silently retrying the load that failed, and forgets the previous model', async () => {
    await putStoredModel(STORED)
    const { service, worker } = setup()
    await service.initialize(STORIES)
    expect(service.loadedModel).not.toBeNull()

    const other = { ...STORIES, id: 'local/models/missing.gguf', file: 'missing.gguf' }
    expect((await rejection(service.initialize(other))).code).toBe('model_not_found')
    expect(service.loadedModel).toBeNull()
    expect(service.capabilities.maxContextTokens).toBe(0)

    expect((await rejection(collect(service.chat(REQUEST)))).code).toBe('model_not_loaded')
    expect(worker(0).engine.loads).toHaveLength(1)
  })
})
