/**
 * EngineLock against an in-memory LockManager with the Web Locks semantics it relies on (`ifAvailable`, `steal`).
 * The real navigator.locks across two tabs is covered by tests/e2e/tabs.spec.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ENGINE_LOCK_NAME, EngineLock } from '../../../src/services/local/engine-lock'

type Granted = (lock: Lock | null) => unknown

interface Holder {
  /** Rejects the holder's `request` promise (what a steal does). */
  reject: (err: unknown) => void
}

interface Waiter {
  callback: Granted
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/**
 * Exclusive locks only, as in https://w3c.github.io/web-locks/: a request is granted when the name is free, else
 * waits; `ifAvailable` gets `null` instead of waiting; `steal` takes the lock at once and rejects the previous
 * holder's request promise with an AbortError DOMException. The lock is held until the callback's promise settles.
 * Callbacks run asynchronously, as in browsers.
 */
class FakeLockManager {
  private readonly holders = new Map<string, Holder>()
  private readonly queues = new Map<string, Waiter[]>()
  /** Every request made, with its options, in order. */
  readonly requests: Array<{ name: string, options: LockOptions }> = []

  isHeld(name: string): boolean {
    return this.holders.has(name)
  }

  request<T>(name: string, callback: LockGrantedCallback<T>): Promise<T>
  request<T>(name: string, options: LockOptions, callback: LockGrantedCallback<T>): Promise<T>
  request(name: string, optionsOrCallback: LockOptions | Granted, maybeCallback?: Granted): Promise<unknown> {
    const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback!
    this.requests.push({ name, options })
    return new Promise((resolve, reject) => {
      const holder = this.holders.get(name)
      if (options.steal) {
        if (holder) {
          this.holders.delete(name)
          holder.reject(new DOMException('The lock was stolen by another request.', 'AbortError'))
        }
        this.grant(name, { callback, resolve, reject })
      }
      else if (!holder) {
        this.grant(name, { callback, resolve, reject })
      }
      else if (options.ifAvailable) {
        Promise.resolve().then(() => callback(null)).then(resolve, reject)
      }
      else {
        this.queues.set(name, [...(this.queues.get(name) ?? []), { callback, resolve, reject }])
      }
    })
  }

  private grant(name: string, waiter: Waiter): void {
    const holder: Holder = { reject: waiter.reject }
    this.holders.set(name, holder)
    const lock = { name, mode: 'exclusive' } as Lock
    const releaseAnd = (settle: () => void) => {
      // A stolen holder's callback settling later must not free the thief's lock.
      if (this.holders.get(name) === holder) {
        this.holders.delete(name)
        const next = this.queues.get(name)?.shift()
        if (next)
          this.grant(name, next)
      }
      settle()
    }
    Promise.resolve()
      .then(() => waiter.callback(lock))
      .then(value => releaseAnd(() => waiter.resolve(value)), (err: unknown) => releaseAnd(() => waiter.reject(err)))
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

/** Lets pending promise callbacks and one timer turn run. */
const settle = () => new Promise(r => setTimeout(r, 0))

describe('EngineLock with a LockManager', () => {
  it('lets the first tab hold the engine and tells the second it is held elsewhere', async () => {
    const locks = new FakeLockManager()
    const first = new EngineLock(locks)
    const second = new EngineLock(locks)

    expect(await first.acquire()).toBe('held')
    expect(first.isHeld).toBe(true)
    expect(locks.isHeld(ENGINE_LOCK_NAME)).toBe(true)

    expect(await second.acquire()).toBe('held-elsewhere')
    expect(second.isHeld).toBe(false)
    expect(locks.requests.map(r => r.options)).toEqual([{ ifAvailable: true }, { ifAvailable: true }])
  })

  it('does not ask again while it already holds the lock', async () => {
    const locks = new FakeLockManager()
    const tab = new EngineLock(locks)
    await tab.acquire()
    expect(await tab.acquire()).toBe('held')
    expect(await tab.takeOver()).toBe('held')
    expect(locks.requests).toHaveLength(1)
  })

  it('lets the second tab take over; the first tab hears it lost the engine, once', async () => {
    const locks = new FakeLockManager()
    const first = new EngineLock(locks)
    const second = new EngineLock(locks)
    const firstLost = vi.fn()
    const secondLost = vi.fn()
    first.onLost(firstLost)
    second.onLost(secondLost)
    await first.acquire()
    await second.acquire()

    expect(await second.takeOver()).toBe('held')
    await vi.waitFor(() => expect(firstLost).toHaveBeenCalledTimes(1))

    expect(second.isHeld).toBe(true)
    expect(first.isHeld).toBe(false)
    expect(locks.requests.at(-1)?.options).toEqual({ steal: true })
    // The first tab cannot simply take it back, and nothing more is reported.
    expect(await first.acquire()).toBe('held-elsewhere')
    await settle()
    expect(firstLost).toHaveBeenCalledTimes(1)
    expect(secondLost).not.toHaveBeenCalled()
  })

  it('gives the lock back on drop(), so another tab can acquire it', async () => {
    const locks = new FakeLockManager()
    const first = new EngineLock(locks)
    const second = new EngineLock(locks)
    const firstLost = vi.fn()
    first.onLost(firstLost)
    await first.acquire()
    expect(await second.acquire()).toBe('held-elsewhere')

    first.drop()

    expect(first.isHeld).toBe(false)
    await vi.waitFor(() => expect(locks.isHeld(ENGINE_LOCK_NAME)).toBe(false))
    expect(await second.acquire()).toBe('held')
    expect(firstLost).not.toHaveBeenCalled()
  })

  it('passes on a failure of the lock request that is not a steal', async () => {
    const locks = {
      request: () => Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError')),
    } as unknown as LockManager
    const tab = new EngineLock(locks)
    await expect(tab.acquire()).rejects.toMatchObject({ name: 'SecurityError' })
    expect(tab.isHeld).toBe(false)
  })
})

describe('EngineLock without Web Locks', () => {
  it('lets every tab hold the engine', async () => {
    vi.stubGlobal('navigator', {})
    const first = new EngineLock()
    const second = new EngineLock()
    expect(await first.acquire()).toBe('held')
    expect(await second.acquire()).toBe('held')
    expect(await second.takeOver()).toBe('held')
  })
})

describe('EngineLock, two loads at once in one tab', () => {
  it('shares one lock request, so neither sees its own tab as another', async () => {
    const lock = new EngineLock(new FakeLockManager())
    expect(await Promise.all([lock.acquire(), lock.acquire()])).toEqual(['held', 'held'])
  })
})
