import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import type { ErrorCode } from '../../../src/shared/errors'
import type { WorkerEvent, WorkerRequest } from '../../../src/contract/messages'
import { RequestQueue } from '../../../src/workers/inference/request-queue'
import { WorkerClient } from '../../../src/services/local/worker-client'
import { createWorkerHandler } from '../../../src/workers/inference/worker-handler'
import { LOAD, STORIES, ScriptedEngine, chatCall, closeFakeWorkers, collect, fakeWorker, rejection } from './fakes'

// ---------------------------------------------------------------------------------------------------------------
// Client and handler joined by a MessageChannel (tests/unit/engines/fakes.ts), with a clock the queue reads.
// ---------------------------------------------------------------------------------------------------------------

interface Harness {
  client: WorkerClient
  engine: ScriptedEngine
  queue: RequestQueue
  /** The client's side of the channel, as a Worker object would be: the place 'error' events come from. */
  port: MessagePort
  isTerminated: () => boolean
  /** The clock the worker's queue reads, in milliseconds. */
  clock: { ms: number }
}

afterEach(() => {
  closeFakeWorkers()
  vi.unstubAllGlobals()
})

function connect(): Harness {
  const clock = { ms: 1000 }
  const queue = new RequestQueue({ now: () => clock.ms })
  const worker = fakeWorker(new ScriptedEngine(), queue)
  return { client: new WorkerClient(worker.endpoint), engine: worker.engine, queue, port: worker.port, isTerminated: worker.isTerminated, clock }
}

async function connectLoaded(): Promise<Harness> {
  const h = connect()
  await h.client.call('load', LOAD)
  return h
}

/**
 * Node 20 has no global ErrorEvent, and WorkerClient's crash handler evaluates `ev instanceof ErrorEvent`.
 * Browsers and workers always have it; this minimal one lets the crash path run in Node.
 */
function ensureErrorEvent(): typeof ErrorEvent {
  if (typeof globalThis.ErrorEvent === 'undefined') {
    class NodeErrorEvent extends Event {
      readonly message: string
      constructor(type: string, init: ErrorEventInit = {}) {
        super(type, init)
        this.message = init.message ?? ''
      }
    }
    vi.stubGlobal('ErrorEvent', NodeErrorEvent)
  }
  return globalThis.ErrorEvent
}

describe('WorkerClient <-> createWorkerHandler over a MessageChannel', () => {
  it('answers env with the worker environment', async () => {
    const { client } = connect()
    const env = await client.call('env', null)
    expect(env).toMatchObject({
      isCrossOriginIsolated: expect.any(Boolean),
      hardwareConcurrency: expect.any(Number),
    })
    // Node has no navigator.gpu: the probe says so instead of throwing.
    expect(env.gpu.hasAdapter).toBe(false)
    expect(env.gpu.reason).toMatch(/WebGPU/)
    expect(env.hardwareConcurrency).toBeGreaterThanOrEqual(1)
    expect(client.pendingCount).toBe(0)
  })

  it('loads a model and returns what the engine loaded', async () => {
    const { client, engine } = connect()
    const loaded = await client.call('load', LOAD)
    expect(loaded).toEqual(engine.model)
    expect(loaded.model).toEqual(STORIES)
    expect(loaded.nCtx).toBe(512)
  })

  it('streams the deltas in order and ends with done carrying the engine summary', async () => {
    const { client, engine } = await connectLoaded()
    engine.turns.set('Tell a story', { deltas: ['Lily', ' had', ' a', ' red', ' ball', '.'] })

    const chunks = await collect(client.chat(chatCall('Tell a story')))

    expect(chunks.slice(0, -1)).toEqual(['Lily', ' had', ' a', ' red', ' ball', '.'].map(text => ({ type: 'delta', text })))
    const last = chunks.at(-1)
    expect(last?.type).toBe('done')
    expect(engine.summaries).toHaveLength(1)
    expect(last).toEqual({ type: 'done', summary: engine.summaries[0] })
    expect(engine.summaries[0]?.text).toBe('Lily had a red ball.')
    expect(client.pendingCount).toBe(0)
  })

  it('passes the time a chat waited in the queue to the engine and into the summary', async () => {
    const { client, engine, queue, clock } = await connectLoaded()
    engine.turns.set('first', { deltas: ['a', 'b'], holdAfter: 1 })
    engine.turns.set('second', { deltas: ['c'] })

    const first = collect(client.chat(chatCall('first')))
    await vi.waitFor(() => expect(engine.isHolding('first')).toBe(true))
    clock.ms = 2000
    const second = collect(client.chat(chatCall('second')))
    await vi.waitFor(() => expect(queue.snapshot().waiting.map(j => j.id)).toEqual(['chat-3']))
    clock.ms = 2250
    engine.release('first')

    const firstChunks = await first
    const secondChunks = await second
    expect(engine.seen).toEqual([{ prompt: 'first', queueWaitMs: 0 }, { prompt: 'second', queueWaitMs: 250 }])
    const firstDone = firstChunks.at(-1)
    const secondDone = secondChunks.at(-1)
    expect(firstDone?.type === 'done' && firstDone.summary.metrics.queueWaitMs).toBe(0)
    expect(secondDone?.type === 'done' && secondDone.summary.metrics.queueWaitMs).toBe(250)
  })

  it('rejects a chat for a model other than the loaded one with model_not_loaded', async () => {
    const { client, engine } = await connectLoaded()
    const err = await rejection(collect(client.chat(chatCall('hello', 'someone/other-model.gguf'))))
    expect(err.code).toBe('model_not_loaded')
    expect(err.message).toContain('someone/other-model.gguf')
    expect(engine.seen).toEqual([])
  })

  it('rejects a chat with model_not_loaded before any load', async () => {
    const { client, engine } = connect()
    const err = await rejection(client.call('chat', chatCall('hello')))
    expect(err.code).toBe('model_not_loaded')
    expect(engine.seen).toEqual([])
  })

  it('stops a streaming chat on abort with an AbortError, and the next chat works', async () => {
    const { client, engine } = await connectLoaded()
    engine.turns.set('long story', { deltas: ['One', ' two', ' three', ' four'], holdAfter: 2 })
    const controller = new AbortController()
    const received: string[] = []

    const err = await rejection((async () => {
      for await (const chunk of client.chat(chatCall('long story'), { signal: controller.signal })) {
        if (chunk.type === 'done')
          throw new Error('the aborted chat finished')
        received.push(chunk.text)
        if (received.length === 2)
          controller.abort()
      }
    })())

    expect(err.code).toBe('aborted')
    expect(err.name).toBe('AbortError')
    expect(received).toEqual(['One', ' two'])
    await vi.waitFor(() => expect(engine.outcomes).toEqual([{ prompt: 'long story', outcome: 'aborted' }]))

    const next = await collect(client.chat(chatCall('again')))
    expect(next.map(c => c.type === 'delta' ? c.text : 'DONE')).toEqual(['Once', ' upon', ' a', ' time', 'DONE'])
    expect(client.pendingCount).toBe(0)
  })

  it('rejects at once, without posting, when the signal is already aborted', async () => {
    const { client, engine } = await connectLoaded()
    const err = await rejection(client.call('chat', chatCall('never'), { signal: AbortSignal.abort() }))
    expect(err.code).toBe('aborted')
    expect(client.pendingCount).toBe(0)
    await collect(client.chat(chatCall('after')))
    expect(engine.seen.map(s => s.prompt)).toEqual(['after'])
  })

  it('aborts a queued chat without the engine ever seeing it', async () => {
    const { client, engine, queue } = await connectLoaded()
    engine.turns.set('running', { deltas: ['x', 'y'], holdAfter: 1 })
    engine.turns.set('queued', { deltas: ['never'] })

    const running = collect(client.chat(chatCall('running')))
    await vi.waitFor(() => expect(engine.isHolding('running')).toBe(true))
    const controller = new AbortController()
    const queued = rejection(collect(client.chat(chatCall('queued'), { signal: controller.signal })))
    await vi.waitFor(() => expect(queue.snapshot().waiting).toHaveLength(1))
    controller.abort()

    const err = await queued
    expect(err.code).toBe('aborted')
    expect(err.name).toBe('AbortError')
    expect(queue.snapshot().waiting).toHaveLength(0)

    engine.release('running')
    const chunks = await running
    expect(chunks.at(-1)?.type).toBe('done')
    expect(engine.seen.map(s => s.prompt)).toEqual(['running'])
  })

  it('carries an engine inference_failed error across as an AppError with that code', async () => {
    const { client, engine } = await connectLoaded()
    engine.turns.set('crash me', { deltas: ['half'], failWith: new AppError('inference_failed', 'llama_decode returned -3') })
    const received: string[] = []

    const err = await rejection((async () => {
      for await (const chunk of client.chat(chatCall('crash me'))) {
        if (chunk.type === 'delta')
          received.push(chunk.text)
      }
    })())

    expect(err.code).toBe('inference_failed')
    expect(err.message).toBe('llama_decode returned -3')
    expect(err.name).toBe('AppError')
    expect(received).toEqual(['half'])
  })

  it('rejects every pending call with worker_crashed when the worker reports an error', async () => {
    const { client, engine, port } = await connectLoaded()
    engine.turns.set('running', { deltas: ['x'], holdAfter: 0 })
    const running = rejection(client.call('chat', chatCall('running')))
    const waiting = rejection(client.call('chat', chatCall('waiting')))
    await vi.waitFor(() => expect(engine.isHolding('running')).toBe(true))
    expect(client.pendingCount).toBe(2)

    const ErrorEventCtor = ensureErrorEvent()
    port.dispatchEvent(new ErrorEventCtor('error', { message: 'RuntimeError: memory access out of bounds' }))

    const [a, b] = await Promise.all([running, waiting])
    for (const err of [a, b]) {
      expect(err.code).toBe('worker_crashed')
      expect(err.message).toContain('memory access out of bounds')
    }
    expect(client.pendingCount).toBe(0)
  })

  it('rejects pending calls with worker_crashed on a messageerror', async () => {
    const { client, engine, port } = await connectLoaded()
    engine.turns.set('running', { deltas: ['x'], holdAfter: 0 })
    const running = rejection(client.call('chat', chatCall('running')))
    await vi.waitFor(() => expect(engine.isHolding('running')).toBe(true))

    ensureErrorEvent()
    port.dispatchEvent(new Event('messageerror'))

    expect((await running).code).toBe('worker_crashed')
    expect(client.pendingCount).toBe(0)
  })

  it('rejects pending calls with worker_crashed on dispose and terminates the worker', async () => {
    const h = await connectLoaded()
    h.engine.turns.set('running', { deltas: ['x'], holdAfter: 0 })
    const running = rejection(h.client.call('chat', chatCall('running')))
    await vi.waitFor(() => expect(h.engine.isHolding('running')).toBe(true))

    h.client.dispose()

    const err = await running
    expect(err.code).toBe('worker_crashed')
    expect(h.isTerminated()).toBe(true)
    expect(h.client.pendingCount).toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The handler alone, with a fake `post`.
// ---------------------------------------------------------------------------------------------------------------

describe('createWorkerHandler with a fake post', () => {
  it('answers every request id with exactly one result or error', async () => {
    const engine = new ScriptedEngine()
    engine.turns.set('held', { deltas: ['p', 'q'], holdAfter: 1 })
    engine.turns.set('stubborn', { deltas: ['s'], holdAfter: 1, ignoresAbort: true })
    engine.turns.set('broken', { deltas: ['b'], failWith: new AppError('inference_failed') })
    const handler = createWorkerHandler(engine)
    const events: WorkerEvent[] = []
    const post = (event: WorkerEvent) => events.push(structuredClone(event))
    const send = (msg: WorkerRequest) => handler(structuredClone(msg), post)

    const expected: Record<string, 'result' | ErrorCode> = {
      'env-1': 'result',
      'load-1': 'result',
      'chat-ok': 'result',
      'chat-wrong-model': 'model_not_loaded',
      'chat-held': 'aborted',
      'chat-stubborn': 'aborted',
      'chat-broken': 'inference_failed',
      'unload-1': 'result',
      'chat-after-unload': 'model_not_loaded',
    }

    send({ id: 'env-1', type: 'env', payload: null })
    send({ id: 'load-1', type: 'load', payload: LOAD })
    send({ id: 'chat-ok', type: 'chat', payload: chatCall('ok') })
    send({ id: 'chat-wrong-model', type: 'chat', payload: chatCall('ok', 'other/model.gguf') })
    send({ id: 'chat-held', type: 'chat', payload: chatCall('held') })
    send({ id: 'chat-stubborn', type: 'chat', payload: chatCall('stubborn') })
    send({ id: 'chat-broken', type: 'chat', payload: chatCall('broken') })
    send({ id: 'unload-1', type: 'unload', payload: null })
    send({ id: 'chat-after-unload', type: 'chat', payload: chatCall('ok') })

    await vi.waitFor(() => expect(engine.isHolding('held')).toBe(true))
    send({ id: 'abort-held', type: 'abort', target: 'chat-held' })
    await vi.waitFor(() => expect(engine.isHolding('stubborn')).toBe(true))
    send({ id: 'abort-stubborn', type: 'abort', target: 'chat-stubborn' })
    // Aborting what has already finished is a no-op, not a second answer.
    send({ id: 'abort-ok-again', type: 'abort', target: 'chat-ok' })

    const terminal = () => events.filter(e => e.type === 'result' || e.type === 'error')
    // The stubborn request is answered at once, but the engine is still in it: nothing else reaches the engine.
    await vi.waitFor(() => expect(terminal().map(e => e.id)).toContain('chat-stubborn'))
    await new Promise(r => setTimeout(r, 20))
    expect(engine.seen.map(s => s.prompt)).toEqual(['ok', 'held', 'stubborn'])

    // The engine that ignored its signal finishes late; its result must not become a second answer.
    engine.release('stubborn')
    await vi.waitFor(() => expect(terminal()).toHaveLength(Object.keys(expected).length))
    await new Promise(r => setTimeout(r, 20))
    expect(engine.maxConcurrentCalls).toBe(1)

    const answers = terminal()
    expect(answers).toHaveLength(Object.keys(expected).length)
    for (const [id, outcome] of Object.entries(expected)) {
      const forId = answers.filter(e => e.id === id)
      expect(forId, id).toHaveLength(1)
      const answer = forId[0]!
      expect(answer.type === 'error' ? answer.error.code : answer.type, id).toBe(outcome)
    }
    expect(events.filter(e => e.id.startsWith('abort-'))).toEqual([])
    expect(engine.seen.map(s => s.prompt)).toEqual(['ok', 'held', 'stubborn', 'broken'])

    // Chunks come before their answer, in order.
    const okEvents = events.filter(e => e.id === 'chat-ok')
    expect(okEvents.map(e => e.type)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'result'])
    expect(okEvents.flatMap(e => e.type === 'chunk' ? [e.payload.text] : [])).toEqual(['Once', ' upon', ' a', ' time'])
    const heldEvents = events.filter(e => e.id === 'chat-held')
    expect(heldEvents.map(e => e.type)).toEqual(['chunk', 'error'])
  })

  it('an engine call that does not stop within the wind-down time: the next request is answered engine_stuck, never run beside it', async () => {
    const engine = new ScriptedEngine()
    engine.turns.set('stubborn', { deltas: ['s'], holdAfter: 1, ignoresAbort: true })
    const handler = createWorkerHandler(engine, { windDownMs: 30 })
    const events: WorkerEvent[] = []
    const send = (msg: WorkerRequest) => handler(structuredClone(msg), event => events.push(structuredClone(event)))
    const answer = (id: string) => vi.waitFor(() => {
      const found = events.find(e => e.id === id && (e.type === 'result' || e.type === 'error'))
      expect(found, id).toBeDefined()
      return found!.type === 'error' ? found!.error.code : found!.type
    })

    send({ id: 'load-1', type: 'load', payload: LOAD })
    expect(await answer('load-1')).toBe('result')
    send({ id: 'chat-stubborn', type: 'chat', payload: chatCall('stubborn') })
    await vi.waitFor(() => expect(engine.isHolding('stubborn')).toBe(true))
    send({ id: 'abort-stubborn', type: 'abort', target: 'chat-stubborn' })
    send({ id: 'chat-next', type: 'chat', payload: chatCall('next') })
    expect(await answer('chat-stubborn')).toBe('aborted')
    expect(await answer('chat-next')).toBe('engine_stuck')
    expect(engine.seen.map(s => s.prompt)).toEqual(['stubborn'])

    // Once the stuck call returns, the engine takes requests again.
    engine.release('stubborn')
    send({ id: 'chat-later', type: 'chat', payload: chatCall('later') })
    expect(await answer('chat-later')).toBe('result')
    expect(engine.seen.map(s => s.prompt)).toEqual(['stubborn', 'later'])
    expect(engine.maxConcurrentCalls).toBe(1)
  })

  it('refuses a second request with an id still pending, answering the duplicate once', async () => {
    const engine = new ScriptedEngine()
    engine.turns.set('held', { deltas: ['p'], holdAfter: 0 })
    const handler = createWorkerHandler(engine)
    const events: WorkerEvent[] = []
    const post = (event: WorkerEvent) => events.push(event)
    handler({ id: 'load-1', type: 'load', payload: LOAD }, post)
    handler({ id: 'chat-1', type: 'chat', payload: chatCall('held') }, post)
    handler({ id: 'chat-1', type: 'chat', payload: chatCall('held') }, post)

    await vi.waitFor(() => expect(events.filter(e => e.id === 'chat-1')).toHaveLength(1))
    const duplicate = events.find(e => e.id === 'chat-1')
    expect(duplicate?.type === 'error' && duplicate.error.code).toBe('unknown')

    await vi.waitFor(() => expect(engine.isHolding('held')).toBe(true))
    engine.release('held')
    await vi.waitFor(() => expect(events.filter(e => e.id === 'chat-1' && e.type === 'result')).toHaveLength(1))
  })
})
