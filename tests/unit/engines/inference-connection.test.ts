/**
 * InferenceConnection over "workers" made of a MessageChannel and a real createWorkerHandler. Every createEndpoint
 * call builds a new channel, handler and engine, as a new Worker would start empty.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InferenceConnection, type ConnectionEvents } from '../../../src/services/local/inference-connection'
import type { LoadRequest, QueueState } from '../../../src/contract/messages'
import type { ChatChunk, Progress } from '../../../src/contract/types'
import { DEFAULT_DELTAS, LOAD, STORIES, chatCall, closeFakeWorkers, collect, fakeWorker, rejection, texts, type FakeWorker } from './fakes'

const connections: InferenceConnection[] = []

afterEach(() => {
  for (const c of connections.splice(0))
    c.dispose()
  closeFakeWorkers()
})

function connect(events: ConnectionEvents = {}, windDownMs?: number) {
  const workers: FakeWorker[] = []
  const connection = new InferenceConnection(() => {
    const worker = fakeWorker(undefined, undefined, { windDownMs })
    workers.push(worker)
    return worker.endpoint
  }, events)
  connections.push(connection)
  return { connection, workers, worker: (i: number) => workers[i]! }
}

/** Runs a chat in the background, keeping the deltas as they arrive. */
function runChat(connection: InferenceConnection, prompt: string) {
  const deltas: string[] = []
  const done = (async () => {
    const chunks: ChatChunk[] = []
    for await (const chunk of connection.chat(chatCall(prompt))) {
      chunks.push(chunk)
      if (chunk.type === 'delta')
        deltas.push(chunk.text)
    }
    return chunks
  })()
  return { deltas, done }
}

/**
 * Loads the model, then leaves the engine stuck in a chat that Stop does not end (an engine that breaks its contract):
 * the chat is answered `aborted`, but the engine is still in it.
 */
async function stickEngine(connection: InferenceConnection, worker: FakeWorker): Promise<void> {
  await connection.load(LOAD)
  worker.engine.turns.set('stuck', { deltas: ['s', 't'], holdAfter: 1, ignoresAbort: true })
  const stop = new AbortController()
  const stuck = rejection(collect(connection.chat(chatCall('stuck'), { signal: stop.signal })))
  await vi.waitFor(() => expect(worker.engine.isHolding('stuck')).toBe(true))
  stop.abort()
  expect((await stuck).code).toBe('aborted')
}

describe('InferenceConnection', () => {
  it('loads a model and streams a chat from it', async () => {
    const { connection, workers, worker } = connect()
    const loaded = await connection.load(LOAD)
    expect(loaded.model).toEqual(STORIES)
    expect(worker(0).engine.loads).toEqual([LOAD])

    const chunks = await collect(connection.chat(chatCall('hello')))
    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(worker(0).engine.seen.map(s => s.prompt)).toEqual(['hello'])
    expect(workers).toHaveLength(1)
    expect(connection.restartCount).toBe(0)
  })

  it('on a crash, rejects the running chat with worker_crashed, starts a new worker, and the next chat reloads the model there', async () => {
    const onRestart = vi.fn()
    const onReload = vi.fn()
    const { connection, workers, worker } = connect({ onRestart, onReload })
    await connection.load(LOAD)
    worker(0).engine.turns.set('running', { deltas: ['One', ' two'], holdAfter: 1 })

    const running = runChat(connection, 'running')
    const failed = rejection(running.done)
    await vi.waitFor(() => {
      expect(worker(0).engine.isHolding('running')).toBe(true)
      expect(running.deltas).toEqual(['One'])
    })
    // A Worker fires 'error' on an uncaught exception or a wasm abort; Node 20 has no ErrorEvent, so a plain Event.
    worker(0).port.dispatchEvent(new Event('error'))

    const err = await failed
    expect(err.code).toBe('worker_crashed')
    expect(err.message).toBe('The inference worker stopped unexpectedly.')
    expect(onRestart).toHaveBeenCalledTimes(1)
    expect(onRestart).toHaveBeenCalledWith(err)
    expect(connection.restartCount).toBe(1)
    expect(workers).toHaveLength(2)
    expect(worker(0).isTerminated()).toBe(true)
    expect(worker(1).engine.loads).toEqual([])

    const chunks = await collect(connection.chat(chatCall('after the crash')))

    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(worker(1).engine.loads).toEqual([LOAD])
    expect(worker(1).engine.seen.map(s => s.prompt)).toEqual(['after the crash'])
    expect(onReload).toHaveBeenCalledTimes(1)
    expect(onReload.mock.calls[0]?.[0]).toEqual(worker(1).engine.model)
    expect(connection.restartCount).toBe(1)
  })

  it('an engine stuck in a call it was told to stop: the next chat replaces the worker, reloads the model and is answered there', async () => {
    const onRestart = vi.fn()
    const onReload = vi.fn()
    const { connection, workers, worker } = connect({ onRestart, onReload }, 30)
    await stickEngine(connection, worker(0))

    const chunks = await collect(connection.chat(chatCall('after the stuck call')))

    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(workers).toHaveLength(2)
    expect(worker(0).isTerminated()).toBe(true)
    // The stuck engine never saw the new chat; the new worker loaded the model and answered it.
    expect(worker(0).engine.seen.map(s => s.prompt)).toEqual(['stuck'])
    expect(worker(1).engine.loads).toEqual([LOAD])
    expect(worker(1).engine.seen.map(s => s.prompt)).toEqual(['after the stuck call'])
    expect(onRestart).toHaveBeenCalledTimes(1)
    expect(onRestart.mock.calls[0]?.[0]).toMatchObject({ code: 'engine_stuck' })
    expect(onReload).toHaveBeenCalledTimes(1)
    expect(connection.restartCount).toBe(1)
  })

  it('chats interrupted by the same restart share one reload of the model in the new worker', async () => {
    const onReload = vi.fn()
    const { connection, workers, worker } = connect({ onReload }, 30)
    await stickEngine(connection, worker(0))

    // Three chats meet the stuck engine: the first replaces the worker, the others are cut off by that restart.
    const answers = await Promise.all(['one', 'two', 'three'].map(p => collect(connection.chat(chatCall(p)))))

    expect(answers.map(texts)).toEqual(Array.from({ length: 3 }, () => [...DEFAULT_DELTAS, 'DONE']))
    expect(workers).toHaveLength(2)
    expect(worker(1).engine.loads).toEqual([LOAD])
    expect(onReload).toHaveBeenCalledTimes(1)
    expect(worker(1).engine.seen.map(s => s.prompt).sort()).toEqual(['one', 'three', 'two'])
  })

  it('a load or unload that meets a stuck engine replaces the worker and runs there', async () => {
    const { connection, workers, worker } = connect({}, 30)
    await stickEngine(connection, worker(0))
    const loaded = await connection.load(LOAD)
    expect(workers).toHaveLength(2)
    expect(worker(1).engine.loads).toEqual([LOAD])
    expect(loaded.model).toEqual(STORIES)

    await stickEngine(connection, worker(1))
    await connection.unload()
    expect(workers).toHaveLength(3)
    expect(worker(1).isTerminated()).toBe(true)
  })

  it('rejects a chat for a model that was never loaded with model_not_loaded, without loading anything', async () => {
    const onReload = vi.fn()
    const { connection, worker } = connect({ onReload })
    const err = await rejection(collect(connection.chat(chatCall('hello'))))
    expect(err.code).toBe('model_not_loaded')
    // The connection's own refusal, not the worker's: it had nothing to reload.
    expect(err.message).toBe(`The model "${STORIES.id}" is not loaded. Load it from the model list.`)
    expect(worker(0).engine.loads).toEqual([])
    expect(onReload).not.toHaveBeenCalled()
  })

  it('does not reload a different model than the one asked for', async () => {
    const { connection, worker } = connect()
    await connection.load(LOAD)
    const err = await rejection(collect(connection.chat(chatCall('hello', 'someone/other.gguf'))))
    expect(err.code).toBe('model_not_loaded')
    expect(err.message).toContain('someone/other.gguf')
    expect(worker(0).engine.loads).toEqual([LOAD])
    expect(worker(0).engine.seen).toEqual([])
  })

  it('does not reload after an explicit unload', async () => {
    const { connection, worker } = connect()
    await connection.load(LOAD)
    await connection.unload()
    const err = await rejection(collect(connection.chat(chatCall('hello'))))
    expect(err.code).toBe('model_not_loaded')
    expect(worker(0).engine.unloadCount).toBe(1)
    expect(worker(0).engine.loads).toHaveLength(1)
  })

  it('hears the worker unload an idle model, and reloads it for the next chat', async () => {
    const onUnloaded = vi.fn()
    const onReload = vi.fn()
    const { connection, workers, worker } = connect({ onUnloaded, onReload })
    const idleLoad: LoadRequest = { ...LOAD, idleUnloadMs: 50 }
    const loadedAt = Date.now()
    await connection.load(idleLoad)
    expect(worker(0).engine.model).not.toBeNull()

    await vi.waitFor(() => expect(onUnloaded).toHaveBeenCalledTimes(1), { timeout: 2000, interval: 10 })
    expect(Date.now() - loadedAt).toBeGreaterThanOrEqual(45)
    expect(onUnloaded).toHaveBeenCalledWith({ modelId: STORIES.id, reason: 'idle' })
    expect(worker(0).engine.model).toBeNull()
    expect(worker(0).engine.unloadCount).toBe(1)

    const chunks = await collect(connection.chat(chatCall('wake up')))

    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(onReload).toHaveBeenCalledTimes(1)
    expect(worker(0).engine.loads).toEqual([idleLoad, idleLoad])
    expect(workers).toHaveLength(1)
    expect(connection.restartCount).toBe(0)
  })

  it('keeps the model loaded when no idle timeout is set', async () => {
    const onUnloaded = vi.fn()
    const { connection, worker } = connect({ onUnloaded })
    await connection.load(LOAD)
    await new Promise(r => setTimeout(r, 100))
    expect(onUnloaded).not.toHaveBeenCalled()
    expect(worker(0).engine.unloadCount).toBe(0)
    expect(worker(0).engine.model).not.toBeNull()
  })

  it('does not unload while a chat runs longer than the idle timeout, and restarts the timeout after it', async () => {
    const onUnloaded = vi.fn()
    const { connection, worker } = connect({ onUnloaded })
    await connection.load({ ...LOAD, idleUnloadMs: 80 })
    worker(0).engine.turns.set('slow', { deltas: ['a', 'b'], holdAfter: 1 })

    const slow = runChat(connection, 'slow')
    await vi.waitFor(() => expect(worker(0).engine.isHolding('slow')).toBe(true))
    await new Promise(r => setTimeout(r, 200))
    expect(onUnloaded).not.toHaveBeenCalled()
    expect(worker(0).engine.model).not.toBeNull()

    worker(0).engine.release('slow')
    expect(texts(await slow.done)).toEqual(['a', 'b', 'DONE'])
    // The timeout counts from the end of the chat, so no unload is queued behind it.
    expect(worker(0).engine.unloadCount).toBe(0)
    // Idle again: now it goes.
    await vi.waitFor(() => expect(onUnloaded).toHaveBeenCalledTimes(1), { timeout: 2000, interval: 10 })
  })

  it('restart() rejects pending calls with engine_restarted, empties the queue state and replaces the worker', async () => {
    const onRestart = vi.fn()
    const onQueue = vi.fn()
    const { connection, workers, worker } = connect({ onRestart, onQueue })
    await connection.load(LOAD)
    worker(0).engine.turns.set('stuck', { deltas: ['x'], holdAfter: 0 })
    const stuck = rejection(collect(connection.chat(chatCall('stuck'))))
    await vi.waitFor(() => expect(worker(0).engine.isHolding('stuck')).toBe(true))

    connection.restart()

    const err = await stuck
    expect(err.code).toBe('engine_restarted')
    expect(err.message).toBe('You restarted the inference engine.')
    expect(onQueue).toHaveBeenLastCalledWith({ running: [], waiting: [] })
    expect(onRestart).toHaveBeenCalledTimes(1)
    expect(onRestart).toHaveBeenCalledWith(err)
    expect(connection.restartCount).toBe(1)
    expect(workers).toHaveLength(2)
    expect(worker(0).isTerminated()).toBe(true)

    const chunks = await collect(connection.chat(chatCall('again')))
    expect(texts(chunks)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    expect(worker(1).engine.loads).toEqual([LOAD])
  })

  it('passes queue broadcasts to onQueue while chats run and wait', async () => {
    const states: QueueState[] = []
    const { connection, worker } = connect({ onQueue: s => states.push(s) })
    await connection.load(LOAD)
    worker(0).engine.turns.set('first', { deltas: ['x'], holdAfter: 0 })

    const first = runChat(connection, 'first')
    await vi.waitFor(() => expect(worker(0).engine.isHolding('first')).toBe(true))
    const second = runChat(connection, 'second')

    // Ids are the client's: load-1, then chat-2 and chat-3.
    await vi.waitFor(() => {
      const last = states.at(-1)
      expect(last?.running.map(j => [j.id, j.priority])).toEqual([['chat-2', 'interactive']])
      expect(last?.waiting.map(j => [j.id, j.priority])).toEqual([['chat-3', 'interactive']])
    })

    worker(0).engine.release('first')
    await first.done
    await second.done
    await vi.waitFor(() => expect(states.at(-1)).toEqual({ running: [], waiting: [] }))
    expect(states.some(s => s.running.length === 1 && s.running[0]?.id === 'chat-3' && s.waiting.length === 0)).toBe(true)
  })
})

describe('load watchdog (issue 18 item 10)', () => {
  it('a load that never ends fails with load_timeout naming the file, the worker is replaced, and the next load works', async () => {
    const workers: FakeWorker[] = []
    const restarts: string[] = []
    const connection = new InferenceConnection(() => {
      const worker = fakeWorker()
      // The first worker's engine never returns from load, as with a chat template that loops.
      if (!workers.length)
        worker.engine.load = () => new Promise(() => {})
      workers.push(worker)
      return worker.endpoint
    }, { onRestart: reason => restarts.push(reason.code) }, { loadTimeoutMs: req => (req.fileName === 'stories260K.gguf' ? 30 : 0) })
    connections.push(connection)
    const stuck = await rejection(connection.load(LOAD))
    expect(stuck).toMatchObject({ code: 'load_timeout', message: expect.stringContaining('"stories260K.gguf"') })
    expect(workers[0]!.isTerminated()).toBe(true)
    expect(restarts).toEqual(['load_timeout'])
    await expect(connection.load({ ...LOAD, fileName: 'other.gguf' })).resolves.toMatchObject({ model: STORIES })
    expect(workers).toHaveLength(2)
  })

  it('counts silence, not the whole load: a load that keeps reporting progress (thread-probe loads) is not cut short', async () => {
    const connection = new InferenceConnection(() => {
      const worker = fakeWorker()
      const load = worker.engine.load.bind(worker.engine)
      // Ten steps 50 ms apart: 500 ms in all, five times the 100 ms limit, but never 100 ms without progress.
      worker.engine.load = async (req: LoadRequest, opts?: { onProgress?: (p: Progress) => void }) => {
        for (let i = 0; i < 10; i++) {
          opts?.onProgress?.({ phase: 'load', loadedBytes: 0, totalBytes: 0, bytesPerSecond: 0 })
          await new Promise(resolve => setTimeout(resolve, 50))
        }
        return load(req, opts)
      }
      return worker.endpoint
    }, {}, { loadTimeoutMs: () => 100 })
    connections.push(connection)
    const steps: string[] = []
    // Fake timers: with real ones a 50 ms step ran over 100 ms late on a busy machine and the load was cut short. The
    // fake worker's messages still travel by a real MessageChannel: each step lets them arrive before time moves on.
    const delivered = async () => {
      for (let k = 0; k < 5; k++)
        await new Promise(resolve => setImmediate(resolve))
    }
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const loading = connection.load(LOAD, { onProgress: p => steps.push(p.phase) })
      for (let i = 0; i < 12; i++) {
        await delivered()
        await vi.advanceTimersByTimeAsync(50)
      }
      await delivered()
      await expect(loading).resolves.toMatchObject({ model: STORIES })
    }
    finally {
      vi.useRealTimers()
    }
    expect(steps).toHaveLength(10)
  })

  it('the default deadline grows with the file: 45 s, plus 30 s a GiB', async () => {
    const { loadDeadlineMs } = await import('../../../src/services/local/inference-connection')
    expect(loadDeadlineMs(LOAD)).toBe(45_000)
    expect(loadDeadlineMs({ ...LOAD, fileSizes: [2 ** 30, 2 ** 30] })).toBe(105_000)
  })
})
