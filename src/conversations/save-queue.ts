/**
 * Writes of the conversation database, one at a time and in order, with the ones the browser refused for lack of
 * space kept in memory and retried: on the next write, on a timer, and when space was freed (`retry()`). Nothing of a
 * turn is lost while the tab stays open, and the order of writes is kept (a message's `seq` is assigned at its first
 * successful write, so a reply is never stored before the question it answers). Framework-free.
 */
import { AppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'
import type { Conversation, StoredMessage } from './types'

/** A write that can wait: a conversation's header or one message, the latest version of it. */
export type PendingWrite =
  | { kind: 'conversation', value: Conversation }
  | { kind: 'message', value: StoredMessage, /** When it was written (epoch ms), for the conversation's `updatedAt`. */ now?: number }

/** What is not saved yet, for the UI. */
export interface SaveQueueState {
  /**
   * Messages kept in memory only, because storage refused them (`error` set). A write in flight is not among them:
   * every reply waits for its write a moment, and marking those flashed "Not saved yet" on ordinary replies.
   */
  unsavedMessageIds: string[]
  /** Conversations (new or renamed) kept in memory only, as `unsavedMessageIds`. */
  unsavedConversationIds: string[]
  /** The refusal that keeps them waiting: AppError 'storage_full'; null once everything is saved. */
  error: AppError | null
}

export interface SaveQueueOptions {
  /** Waits before each retry after a refusal, in ms; the last repeats. Default 2 s, 5 s, 15 s, 30 s, then every 60 s. */
  retryDelaysMs?: readonly number[]
  /** Told after every change of what is pending. */
  onChange?: (state: SaveQueueState) => void
}

const DEFAULT_RETRY_DELAYS_MS = [2_000, 5_000, 15_000, 30_000, 60_000] as const

interface Entry {
  write: PendingWrite
  /** Set once written: what the write returned. */
  outcome?: { value: unknown }
  /** Set when the write failed for another reason than space: it is not retried. */
  failure?: unknown
  /** A newer version of the same record queued after this one. */
  replacedBy?: Entry
}

function keyOf(w: PendingWrite): string {
  return `${w.kind}:${w.value.id}`
}

/** The error a refused write is reported with; `cause` is the browser's. */
export function storageFullError(cause?: unknown): AppError {
  return new AppError('storage_full', undefined, { cause })
}

/**
 * Stored records with the unsaved versions kept in memory laid over them (same id) or added after them, in the order
 * given: what a reader of this tab sees while writes wait for room.
 */
export function withPending<T extends { id: string }>(stored: T[], pending: T[]): T[] {
  const byId = new Map(pending.map(p => [p.id, p]))
  const merged = stored.map(s => byId.get(s.id) ?? s)
  const ids = new Set(stored.map(s => s.id))
  return [...merged, ...pending.filter(p => !ids.has(p.id))]
}

/**
 * The queue in front of the database. `write` does one write (and may return a value, e.g. the stored message);
 * it runs only inside the queue, never two at once.
 */
export class SaveQueue {
  private readonly pending = new Map<string, Entry>()
  private lock: Promise<unknown> = Promise.resolve()
  private timer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private error: AppError | null = null
  private readonly delays: readonly number[]

  constructor(private readonly writeOne: (w: PendingWrite) => Promise<unknown>, private readonly opts: SaveQueueOptions = {}) {
    this.delays = opts.retryDelaysMs?.length ? opts.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS
  }

  /** How many writes wait. */
  get size(): number {
    return this.pending.size
  }

  /**
   * Writes `w` after everything still pending. When a write before it or it itself is refused for lack of space, it
   * stays queued (a later version of the same record replaces it in its place) and is retried.
   * @returns what the write returned
   * @throws AppError 'storage_full' when it is kept in memory for now; the write's own error when it failed otherwise
   */
  async write<T>(w: PendingWrite): Promise<T> {
    const entry: Entry = { write: w }
    const key = keyOf(w)
    const older = this.pending.get(key)
    if (older)
      older.replacedBy = entry
    // Map.set on a key already there keeps its place: a newer version is written where the first one waited.
    this.pending.set(key, entry)
    this.changed()
    await this.exclusive(() => this.drain())
    for (let e: Entry | undefined = entry; e; e = e.replacedBy) {
      if (e.outcome)
        return e.outcome.value as T
      if (e.failure !== undefined)
        throw e.failure
    }
    throw this.error ?? storageFullError()
  }

  /** Runs `work` (a delete, say) between writes, never during one. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work)
    this.lock = run.catch(() => undefined)
    return run
  }

  /** Tries the pending writes now (space was freed). @returns whether everything is saved */
  async retry(): Promise<boolean> {
    await this.exclusive(() => this.drain())
    return this.pending.size === 0
  }

  /** Forgets pending writes (their records were deleted): `matches` picks them. */
  drop(matches: (w: PendingWrite) => boolean): void {
    for (const [key, entry] of this.pending) {
      if (matches(entry.write))
        this.pending.delete(key)
    }
    if (!this.pending.size)
      this.settled()
    this.changed()
  }

  /** The pending writes, oldest first. */
  waiting(): PendingWrite[] {
    return [...this.pending.values()].map(e => e.write)
  }

  /** Stops the retry timer (the database is closing). */
  dispose(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  state(): SaveQueueState {
    const writes = this.error ? this.waiting() : []
    return {
      unsavedMessageIds: writes.flatMap(w => (w.kind === 'message' ? [w.value.id] : [])),
      unsavedConversationIds: writes.flatMap(w => (w.kind === 'conversation' ? [w.value.id] : [])),
      error: this.error,
    }
  }

  /** Writes the pending entries in order, until one is refused for lack of space. */
  private async drain(): Promise<void> {
    for (const [key, entry] of this.pending) {
      try {
        entry.outcome = { value: await this.writeOne(entry.write) }
      }
      catch (err) {
        if (isQuotaError(err)) {
          this.error = err instanceof AppError && err.code === 'storage_full' ? err : storageFullError(err)
          this.schedule()
          this.changed()
          return
        }
        entry.failure = err
      }
      // A newer version queued while this one was being written stays, to be written next.
      if (this.pending.get(key) === entry)
        this.pending.delete(key)
    }
    this.settled()
    this.changed()
  }

  private settled(): void {
    this.attempt = 0
    this.error = null
    this.dispose()
  }

  private schedule(): void {
    if (this.timer !== undefined)
      return
    const delay = this.delays[Math.min(this.attempt, this.delays.length - 1)]!
    this.attempt++
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.retry()
    }, delay)
  }

  private changed(): void {
    this.opts.onChange?.(this.state())
  }
}
