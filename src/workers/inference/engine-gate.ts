/**
 * One engine call at a time. The request queue settles a cancelled request at once and starts the next one, but the
 * engine may still be winding the cancelled call down (wllama polls once more, then cancels its task). The next call
 * waits here until that one has returned, so the engine never sees two calls at once.
 *
 * Why it matters: wllama (3.8) wedges for good when calls overlap. A completion submitted while two cancelled ones
 * are still queued inside llama.cpp is never scheduled, and wllama polls for it forever at full CPU. Found by
 * tests/e2e/soak.spec.ts; with wllama alone, two cancelled completions and a third sent at once hang the third,
 * while the same three sent one after another all return.
 *
 * A call that has not returned `windDownMs` after the next one began waiting is stuck: the waiting call fails with
 * AppError `engine_stuck` (the connection then restarts the worker). Pure TypeScript, for the worker and Node tests.
 */
import { AppError } from '../../shared/errors'

const DEFAULT_WIND_DOWN_MS = 10_000

export class EngineGate {
  /** Settles when every call admitted so far has returned (or given up its turn). Never rejects. */
  private tail: Promise<void> = Promise.resolve()
  private active = 0
  private maxActive = 0

  constructor(private readonly windDownMs = DEFAULT_WIND_DOWN_MS) {}

  /** The most calls that ever ran at once: 1 unless the gate is broken. For tests. */
  get maxConcurrent(): number {
    return this.maxActive
  }

  /**
   * Runs `call` once every earlier call has returned. Rejects with AppError `aborted` when `signal` aborts first (the
   * call never runs), or `engine_stuck` when the earlier call has not returned within `windDownMs`.
   */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tail
    let release!: () => void
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    this.tail = Promise.all([previous, mine]).then(() => undefined)
    try {
      await this.waitFor(previous, signal)
      this.active++
      this.maxActive = Math.max(this.maxActive, this.active)
      try {
        return await call()
      }
      finally {
        this.active--
      }
    }
    finally {
      release()
    }
  }

  private waitFor(previous: Promise<void>, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted)
      return Promise.reject(new AppError('aborted'))
    return new Promise<void>((resolve, reject) => {
      const done = (settle: () => void) => () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        settle()
      }
      const onAbort = done(() => reject(new AppError('aborted')))
      const timer = setTimeout(done(() => reject(new AppError('engine_stuck'))), this.windDownMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      void previous.then(done(resolve))
    })
  }
}
