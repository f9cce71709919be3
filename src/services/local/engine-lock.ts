/**
 * One model per origin: a loaded model takes about as much memory as its file, so a second tab must not silently
 * load a second copy. The tab that holds this Web Lock may load models; another tab is told, and may take over,
 * which makes the first tab unload its model.
 */
export const ENGINE_LOCK_NAME = 'local-ai:inference-engine'

type LockManagerLike = Pick<LockManager, 'request'>

export type LockState = 'free' | 'held' | 'held-elsewhere' | 'lost'

export class EngineLock {
  private release: (() => void) | null = null
  private lostListener: (() => void) | null = null
  private pending: Promise<'held' | 'held-elsewhere'> | null = null

  constructor(private readonly locks: LockManagerLike | undefined = globalThis.navigator?.locks, private readonly name = ENGINE_LOCK_NAME) {}

  get isHeld(): boolean {
    return this.release !== null
  }

  /** Called when another tab takes the engine over. */
  onLost(listener: () => void): void {
    this.lostListener = listener
  }

  /** Takes the lock if no other tab holds it. Without Web Locks (old browsers) every tab may load. */
  async acquire(): Promise<'held' | 'held-elsewhere'> {
    if (this.isHeld || !this.locks)
      return 'held'
    // Two loads at once in this tab share one request, or the second would see this tab's own lock as another's.
    this.pending ??= this.hold({ ifAvailable: true }).finally(() => { this.pending = null })
    return this.pending
  }

  /** Takes the lock from the tab that holds it; that tab is told through its `onLost`. */
  async takeOver(): Promise<'held'> {
    if (this.isHeld || !this.locks)
      return 'held'
    await this.hold({ steal: true })
    return 'held'
  }

  /** Gives the lock back, e.g. when the model is unloaded. */
  drop(): void {
    this.release?.()
    this.release = null
  }

  private hold(options: LockOptions): Promise<'held' | 'held-elsewhere'> {
    return new Promise((resolve, reject) => {
      this.locks!.request(this.name, options, (lock) => {
        if (!lock) {
          resolve('held-elsewhere')
          return undefined
        }
        resolve('held')
        return new Promise<void>((release) => { this.release = release })
      }).catch((err: unknown) => {
        // A steal by another tab rejects the holder's request with an AbortError.
        const wasHeld = this.release !== null
        this.release = null
        if (wasHeld && err instanceof DOMException && err.name === 'AbortError')
          this.lostListener?.()
        else
          reject(err)
      })
    })
  }
}
