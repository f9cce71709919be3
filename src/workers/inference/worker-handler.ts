/**
 * The inference worker's message handler: `(msg, post) => void`, no globals, so tests drive it with a fake `post`
 * or over a MessageChannel. Every call goes through one request queue; each request is answered exactly once.
 * Engine calls also pass one gate: a call starts only after the previous one returned, even a cancelled one.
 */
import { AppError, serializeError } from '../../shared/errors'
import type { QueueState, WorkerEnvironment, WorkerEvent, WorkerRequest } from '../../contract/messages'
import { checkRequest } from './worker-request-check'
import { probeWebGpuOnce } from '../../shared/webgpu-probe'
import { RequestQueue, type QueueSnapshot } from './request-queue'
import { EngineGate } from './engine-gate'
import type { WorkerEngine } from './worker-engine'

/** Takes anything a worker may receive: a message that is not a valid request is answered with `bad_request`. */
export type Handler = (msg: unknown, post: (event: WorkerEvent) => void) => void

export interface HandlerOptions {
  queue?: RequestQueue
  /** How long a cancelled engine call may take to return before the next call fails with `engine_stuck`. */
  windDownMs?: number
}

export function createWorkerHandler(engine: WorkerEngine, opts: HandlerOptions = {}): Handler {
  const queue = opts.queue ?? new RequestQueue()
  const gate = new EngineGate(opts.windDownMs)
  let broadcast: ((event: WorkerEvent) => void) | null = null
  const idle = idleUnloader(engine, queue, gate, event => broadcast?.(event))
  queue.onChange((s) => {
    broadcast?.({ id: '', type: 'queue', payload: toQueueState(s) })
    idle.onQueueChange()
  })
  return (raw, post) => {
    broadcast = post
    const check = checkRequest(raw)
    if (!check.ok) {
      post({ id: check.id, type: 'error', error: serializeError(check.error) })
      return
    }
    const msg = check.request
    try {
      dispatch(msg, post)
    }
    catch (err) {
      // A fault in dispatch must not take the worker down: the request is answered instead.
      post({ id: msg.id, type: 'error', error: serializeError(err) })
    }
  }

  function dispatch(msg: WorkerRequest, post: (event: WorkerEvent) => void): void {
    if (msg.type === 'abort') {
      queue.abort(msg.target)
      return
    }
    const fail = (err: unknown) => post({ id: msg.id, type: 'error', error: serializeError(err) })
    // A result that cannot be cloned (DataCloneError) is answered as an error, so the caller still hears back.
    const answer = (work: Promise<unknown>) => work.then(payload => post({ id: msg.id, type: 'result', payload }), fail).catch(fail)
      .catch((err: unknown) => console.error(`The worker could not answer request ${msg.id}`, err))
    switch (msg.type) {
      case 'env':
        answer(workerEnvironment())
        break
      case 'load':
        idle.setTimeout(msg.payload.idleUnloadMs ?? 0)
        answer(queue.enqueue(({ signal }) => gate.run(() => engine.load(msg.payload, {
          onProgress: payload => post({ id: msg.id, type: 'progress', payload }),
        }), signal), { id: msg.id }))
        break
      case 'unload':
        answer(queue.enqueue(({ signal }) => gate.run(async () => { await engine.unload(); return null }, signal), { id: msg.id }))
        break
      case 'chat': {
        const { modelId, ...req } = msg.payload
        answer(queue.enqueue(({ signal, waitMs }) => gate.run(() => {
          if (engine.model?.model.id !== modelId)
            throw new AppError('model_not_loaded', `The model "${modelId}" is not loaded in the worker.`)
          // After an abort or timeout the request is answered; an engine still winding down must not post more.
          const onDelta = (text: string) => signal.aborted || post({ id: msg.id, type: 'chunk', payload: { type: 'delta', text } })
          return engine.chat(req, { signal, queueWaitMs: waitMs, onDelta })
        }, signal), { id: msg.id, priority: msg.payload.priority ?? 'interactive', timeoutMs: msg.payload.timeoutMs }))
        break
      }
    }
  }
}

async function workerEnvironment(): Promise<WorkerEnvironment> {
  const nav = globalThis.navigator as { hardwareConcurrency?: number, deviceMemory?: number } | undefined
  return {
    isCrossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: nav?.hardwareConcurrency ?? 1,
    deviceMemoryGiB: nav?.deviceMemory,
    gpu: await probeWebGpuOnce(),
  }
}

function toQueueState(s: QueueSnapshot): QueueState {
  const row = (j: QueueSnapshot['running'][number]) => ({ id: j.id, priority: j.priority, waitMs: j.waitMs })
  return { running: s.running.map(row), waiting: s.waiting.map(row) }
}

/**
 * Unloads the model after `idleMs` without requests, so an idle tab gives its memory back. The next chat finds no
 * model and the connection reloads it (services/local/inference-connection.ts).
 */
function idleUnloader(engine: WorkerEngine, queue: RequestQueue, gate: EngineGate, broadcast: (event: WorkerEvent) => void) {
  let idleMs = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let seq = 0
  const unload = () => {
    const modelId = engine.model?.model.id
    if (!modelId || queue.size > 0)
      return
    queue.enqueue(({ signal }) => gate.run(async () => { await engine.unload(); return null }, signal), { id: `idle-unload-${++seq}`, priority: 'background' })
      .then(() => broadcast({ id: '', type: 'unloaded', payload: { modelId, reason: 'idle' } }))
      .catch((err: unknown) => console.warn('Idle unload failed; the model stays loaded', err))
  }
  return {
    setTimeout(ms: number) {
      idleMs = ms
    },
    onQueueChange() {
      clearTimeout(timer)
      if (idleMs > 0 && queue.size === 0 && engine.model)
        timer = setTimeout(unload, idleMs)
    },
  }
}
