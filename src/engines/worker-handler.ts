/**
 * The inference worker's message handler: `(msg, post) => void`, no globals, so tests drive it with a fake `post`
 * or over a MessageChannel. Every call goes through one request queue; each request is answered exactly once.
 */
import { AppError, serializeError } from '../protocol/errors'
import type { WorkerEvent, WorkerRequest } from '../protocol/messages'
import { RequestQueue } from './request-queue'
import type { WorkerEngine } from './worker-engine'

export type Handler = (msg: WorkerRequest, post: (event: WorkerEvent) => void) => void

export interface HandlerOptions {
  queue?: RequestQueue
}

export function createWorkerHandler(engine: WorkerEngine, opts: HandlerOptions = {}): Handler {
  const queue = opts.queue ?? new RequestQueue()
  return (msg, post) => {
    if (msg.type === 'abort') {
      queue.abort(msg.target)
      return
    }
    const answer = (work: Promise<unknown>) => work.then(
      payload => post({ id: msg.id, type: 'result', payload }),
      err => post({ id: msg.id, type: 'error', error: serializeError(err) }),
    )
    switch (msg.type) {
      case 'env':
        answer(Promise.resolve(workerEnvironment()))
        break
      case 'load':
        answer(queue.enqueue(() => engine.load(msg.payload), { id: msg.id }))
        break
      case 'unload':
        answer(queue.enqueue(async () => { await engine.unload(); return null }, { id: msg.id }))
        break
      case 'chat': {
        const { modelId, ...req } = msg.payload
        answer(queue.enqueue(({ signal, waitMs }) => {
          if (engine.model?.model.id !== modelId)
            throw new AppError('model_not_loaded', `The model "${modelId}" is not loaded in the worker.`)
          const onDelta = (text: string) => post({ id: msg.id, type: 'chunk', payload: { type: 'delta', text } })
          return engine.chat(req, { signal, queueWaitMs: waitMs, onDelta })
        }, { id: msg.id, priority: 'interactive' }))
        break
      }
    }
  }
}

function workerEnvironment() {
  return {
    isCrossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
    hasWebGpu: !!(globalThis.navigator as { gpu?: unknown } | undefined)?.gpu,
  }
}
