/**
 * The UI side of the inference worker: typed calls, streamed chunks as an AsyncIterable, aborts, and crash
 * detection. The only place that creates the worker.
 */
import { AppError, deserializeError } from '../../shared/errors'
import type { CallType, Calls, QueueState, WorkerEvent, WorkerRequest } from '../../contract/messages'
import type { ChatChunk, Progress } from '../../contract/types'

/** Anything that speaks postMessage: a Worker, or a MessagePort in tests (comlink's Endpoint). */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (ev: Event) => void): void
  removeEventListener(type: 'message' | 'error' | 'messageerror', listener: (ev: Event) => void): void
  terminate?(): void
}

export interface CallOptions {
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  onDelta?: (text: string) => void
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: AppError) => void
  opts: CallOptions
  cleanup: () => void
}

export function createInferenceWorker(): Worker {
  return new Worker(new URL('../../workers/inference/inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' })
}

export interface ClientEvents {
  /** The worker died; every pending call was rejected with `reason` and the endpoint is closed. */
  onCrash?: (reason: AppError) => void
  /** The worker's queue changed. */
  onQueue?: (state: QueueState) => void
  /** The worker unloaded its model by itself. */
  onUnloaded?: (info: { modelId: string, reason: 'idle' }) => void
}

export class WorkerClient {
  private pending = new Map<string, Pending>()
  private nextId = 0

  constructor(private readonly endpoint: Endpoint, private readonly events: ClientEvents = {}) {
    endpoint.addEventListener('message', this.onMessage)
    endpoint.addEventListener('error', this.onCrash)
    endpoint.addEventListener('messageerror', this.onCrash)
  }

  /** Number of calls waiting for their answer. */
  get pendingCount(): number {
    return this.pending.size
  }

  call<K extends CallType>(type: K, payload: Calls[K]['in'], opts: CallOptions = {}): Promise<Calls[K]['out']> {
    const id = `${type}-${++this.nextId}`
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted)
        return reject(new AppError('aborted'))
      const onAbort = () => this.endpoint.postMessage({ id: `abort-${id}`, type: 'abort', target: id } satisfies WorkerRequest)
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      const cleanup = () => opts.signal?.removeEventListener('abort', onAbort)
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, opts, cleanup })
      this.endpoint.postMessage({ id, type, payload } as WorkerRequest)
    })
  }

  /** A chat call as a stream of chunks; the last one is `done` with the summary. */
  async* chat(payload: Calls['chat']['in'], opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    const queue: string[] = []
    let wake: (() => void) | null = null
    const result = this.call('chat', payload, { ...opts, onDelta: (text) => { queue.push(text); wake?.() } })
    let settled = false
    result.then(() => { settled = true; wake?.() }, () => { settled = true; wake?.() })
    for (;;) {
      while (queue.length)
        yield { type: 'delta', text: queue.shift()! }
      if (settled)
        break
      await new Promise<void>((r) => { wake = r })
      wake = null
    }
    yield { type: 'done', summary: await result }
  }

  /** Stops the worker; every pending call rejects with `reason` (default `worker_crashed`). */
  dispose(reason = new AppError('worker_crashed', 'The inference worker was stopped.')): void {
    this.endpoint.removeEventListener('message', this.onMessage)
    this.endpoint.removeEventListener('error', this.onCrash)
    this.endpoint.removeEventListener('messageerror', this.onCrash)
    this.endpoint.terminate?.()
    this.rejectAll(reason)
  }

  private onMessage = (ev: Event) => {
    const msg = (ev as MessageEvent<WorkerEvent>).data
    if (msg.type === 'queue' || msg.type === 'unloaded') {
      if (msg.type === 'queue')
        this.events.onQueue?.(msg.payload)
      else
        this.events.onUnloaded?.(msg.payload)
      return
    }
    const p = this.pending.get(msg.id)
    if (!p)
      return
    switch (msg.type) {
      case 'chunk': p.opts.onDelta?.(msg.payload.text); break
      case 'progress': p.opts.onProgress?.(msg.payload); break
      case 'result': this.settle(msg.id, p); p.resolve(msg.payload); break
      case 'error': this.settle(msg.id, p); p.reject(deserializeError(msg.error)); break
    }
  }

  private onCrash = (ev: Event) => {
    const detail = typeof ErrorEvent !== 'undefined' && ev instanceof ErrorEvent && ev.message ? `: ${ev.message}` : ''
    const reason = new AppError('worker_crashed', `The inference worker stopped unexpectedly${detail}.`)
    this.dispose(reason)
    this.events.onCrash?.(reason)
  }

  private settle(id: string, p: Pending): void {
    p.cleanup()
    this.pending.delete(id)
  }

  private rejectAll(err: AppError): void {
    for (const [id, p] of this.pending) {
      this.settle(id, p)
      p.reject(err)
    }
  }
}
