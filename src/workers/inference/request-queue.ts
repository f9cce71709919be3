/**
 * The worker's request queue: it serializes every request to the one loaded engine, because llama.cpp runs one
 * generation at a time. Interactive requests go before background ones; each priority is FIFO.
 *
 * Cancellation frees the slot at once: when a running job is aborted (caller, timeout or {@link RequestQueue.abortAll})
 * its promise rejects and the next job starts immediately, even if `run` never settles. The engine is expected to
 * honour `ctx.signal`; a run that ignores it keeps working in the background and its result is dropped.
 *
 * Pure TypeScript: no DOM, Vue or Node APIs, so it runs in the worker and in Node tests.
 */
import { AppError, toAppError } from '../../shared/errors'

import type { Priority } from '../../contract/messages'

export type { Priority }

/** What a job's `run` receives when it starts. */
export interface RunContext {
  /** Aborted (with the AppError as `reason`) on cancel, timeout or `abortAll`. The engine must stop when it fires. */
  signal: AbortSignal
  /** How long the job waited in the queue before it started, in milliseconds. Report it, e.g. as `queueWaitMs`. */
  waitMs: number
}

export type Run<T> = (ctx: RunContext) => Promise<T>

export interface EnqueueOptions {
  /** Request id, unique among the jobs in the queue; `abort(id)` uses it. */
  id: string
  /** Default `'interactive'`. */
  priority?: Priority
  /**
   * Deadline in milliseconds from enqueue, covering time waiting and running. When it passes the promise rejects
   * with AppError `timeout` and the run's signal is aborted. Default: none.
   */
  timeoutMs?: number
  /** Aborting it cancels the job like `abort(id)`; an already aborted signal rejects at once. */
  signal?: AbortSignal
}

/** One job as the UI sees it. Times come from the queue's clock, in milliseconds. */
export interface JobInfo {
  id: string
  priority: Priority
  enqueuedAt: number
  /** Unset while waiting. */
  startedAt?: number
  /** Time waited so far (waiting jobs) or before starting (running jobs), in milliseconds. */
  waitMs: number
}

export interface QueueSnapshot {
  running: JobInfo[]
  /** In the order they will start: interactive first, then background, each FIFO. */
  waiting: JobInfo[]
}

export interface RequestQueueOptions {
  /** Jobs that run at once. Default 1 (llama.cpp generates one answer at a time). */
  concurrency?: number
  /** Most jobs waiting (not running); one more is refused with AppError `queue_full`. Default 16. */
  maxDepth?: number
  /** Clock in milliseconds. Default `performance.now()`, or `Date.now()` where there is no `performance`. */
  now?: () => number
}

interface Job {
  readonly id: string
  readonly priority: Priority
  readonly enqueuedAt: number
  startedAt?: number
  isSettled: boolean
  readonly controller: AbortController
  /** Calls `run` and wires its outcome to the caller's promise. */
  readonly start: (ctx: RunContext) => void
  readonly reject: (error: AppError) => void
  /** Undo timers and signal listeners when the job settles. */
  readonly cleanups: Array<() => void>
}

const MAX_TIMER_MS = 2_147_483_647
const defaultNow = typeof performance === 'undefined' ? () => Date.now() : () => performance.now()

export class RequestQueue {
  private readonly concurrency: number
  private readonly maxDepth: number
  private readonly now: () => number
  /** Every job not yet settled, waiting or running. */
  private readonly jobs = new Map<string, Job>()
  private readonly waiting: Record<Priority, Job[]> = { interactive: [], background: [] }
  private readonly listeners = new Set<(s: QueueSnapshot) => void>()
  private runningCount = 0

  /** @throws RangeError when `concurrency` is not a positive integer or `maxDepth` is negative. */
  constructor(opts: RequestQueueOptions = {}) {
    this.concurrency = opts.concurrency ?? 1
    this.maxDepth = opts.maxDepth ?? 16
    this.now = opts.now ?? defaultNow
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new RangeError(`concurrency must be a positive integer, got ${this.concurrency}`)
    if (!(this.maxDepth >= 0))
      throw new RangeError(`maxDepth must be 0 or more, got ${this.maxDepth}`)
  }

  /** Jobs waiting or running. */
  get size(): number {
    return this.jobs.size
  }

  /**
   * Queues `run` and settles with its result once it has run.
   * Rejects with AppError `queue_full` (`maxDepth` jobs already waiting), `aborted` (signal, `abort(id)`,
   * `abortAll`), `timeout` (`timeoutMs` passed), `unknown` (the id is already queued), or what `run` threw,
   * as an AppError.
   */
  enqueue<T>(run: Run<T>, opts: EnqueueOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const refusal = this.refusal(opts)
      if (refusal) {
        reject(refusal)
        return
      }
      const job = this.createJob(run, opts, resolve, reject)
      this.jobs.set(job.id, job)
      this.waiting[job.priority].push(job)
      this.arm(job, opts)
      this.pump()
      this.emit()
    })
  }

  /** Cancels job `id`, waiting or running, with AppError `aborted`. Returns false when no such job is pending. */
  abort(id: string): boolean {
    const job = this.jobs.get(id)
    return job ? this.cancel(job, new AppError('aborted')) : false
  }

  /**
   * Cancels every pending job, waiting ones first so none starts on the way (worker shutdown, model unload).
   * `reason` becomes the rejection, as an AppError; default AppError `aborted`. Returns how many were cancelled.
   * Jobs enqueued while it runs (say, from an abort listener) are not affected.
   */
  abortAll(reason: unknown = new AppError('aborted')): number {
    const error = toAppError(reason, 'aborted')
    // A Set keeps first insertion order: waiting jobs (in start order), then the running ones.
    const victims = new Set([...this.waiting.interactive, ...this.waiting.background, ...this.jobs.values()])
    let count = 0
    for (const job of victims)
      count += this.cancel(job, error) ? 1 : 0
    return count
  }

  /** The jobs now running and waiting. */
  snapshot(): QueueSnapshot {
    const now = this.now()
    const info = (job: Job): JobInfo => ({
      id: job.id,
      priority: job.priority,
      enqueuedAt: job.enqueuedAt,
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      waitMs: (job.startedAt ?? now) - job.enqueuedAt,
    })
    const running = [...this.jobs.values()].filter(job => job.startedAt !== undefined)
    return { running: running.map(info), waiting: [...this.waiting.interactive, ...this.waiting.background].map(info) }
  }

  /** Calls `listener` with a fresh snapshot after every change (enqueue, start, settle). Returns the unsubscribe. */
  onChange(listener: (s: QueueSnapshot) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private refusal(opts: EnqueueOptions): AppError | undefined {
    if (opts.signal?.aborted)
      return new AppError('aborted', undefined, { cause: opts.signal.reason })
    if (this.jobs.has(opts.id))
      return new AppError('unknown', `Request id "${opts.id}" is already queued; every request needs a new id.`)
    const waitingCount = this.waiting.interactive.length + this.waiting.background.length
    // A job that can start at once never waits, so only a full set of running slots makes depth matter.
    if (this.runningCount >= this.concurrency && waitingCount >= this.maxDepth)
      return new AppError('queue_full')
    return undefined
  }

  private createJob<T>(run: Run<T>, opts: EnqueueOptions, resolve: (v: T) => void, reject: (e: AppError) => void): Job {
    const job: Job = {
      id: opts.id,
      priority: opts.priority ?? 'interactive',
      enqueuedAt: this.now(),
      isSettled: false,
      controller: new AbortController(),
      reject,
      cleanups: [],
      start: (ctx) => {
        // The executor turns a synchronous throw from `run` into a rejection.
        new Promise<T>(r => r(run(ctx))).then(
          value => this.settle(job, () => resolve(value)),
          (err: unknown) => this.settle(job, () => reject(toAppError(err))),
        )
      },
    }
    return job
  }

  /** Starts the deadline timer and listens to the caller's signal until the job settles. */
  private arm(job: Job, opts: EnqueueOptions): void {
    const { signal, timeoutMs } = opts
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      // Timers overflow past 2^31 - 1 ms (about 24.8 days) and would fire at once, so longer deadlines are capped.
      const delayMs = Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS)
      const timer = setTimeout(() => this.cancel(job, new AppError('timeout')), delayMs)
      job.cleanups.push(() => clearTimeout(timer))
    }
    if (signal) {
      const onAbort = (): void => {
        this.cancel(job, new AppError('aborted', undefined, { cause: signal.reason }))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      job.cleanups.push(() => signal.removeEventListener('abort', onAbort))
    }
  }

  /** Starts waiting jobs while slots are free. Re-reads state each turn, so a `run` may re-enter the queue. */
  private pump(): void {
    while (this.runningCount < this.concurrency) {
      const job = this.waiting.interactive.shift() ?? this.waiting.background.shift()
      if (!job)
        return
      job.startedAt = this.now()
      this.runningCount++
      job.start({ signal: job.controller.signal, waitMs: job.startedAt - job.enqueuedAt })
    }
  }

  /** Aborts the run first so the engine stops before the next job starts, then rejects and frees the slot. */
  private cancel(job: Job, error: AppError): boolean {
    if (job.isSettled)
      return false
    job.controller.abort(error)
    this.settle(job, () => job.reject(error))
    return true
  }

  /** The one place a job leaves the queue; later outcomes of the same job are ignored. */
  private settle(job: Job, deliver: () => void): void {
    if (job.isSettled)
      return
    job.isSettled = true
    this.jobs.delete(job.id)
    if (job.startedAt === undefined) {
      const list = this.waiting[job.priority]
      const index = list.indexOf(job)
      if (index >= 0)
        list.splice(index, 1)
    }
    else {
      this.runningCount--
    }
    for (const cleanup of job.cleanups)
      cleanup()
    deliver()
    this.pump()
    this.emit()
  }

  private emit(): void {
    if (this.listeners.size === 0)
      return
    const snapshot = this.snapshot()
    for (const listener of this.listeners) {
      try {
        listener(snapshot)
      }
      catch (err) {
        // A broken listener must not corrupt the queue; rethrow outside it so the error is still reported.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }
}
