/**
 * Retries for transient cloud failures: exponential backoff with jitter, honouring the server's `Retry-After`.
 * 400/401/403 are never retried (see {@link isTransient}); a stream is only retried before its first chunk, so the
 * user never sees text twice.
 */
import { AppError } from '../../shared/errors'
import { isTransient, ServiceError } from './http-errors'

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4. */
  attempts: number
  /** First backoff, in milliseconds; doubles each attempt. Default 500. */
  baseDelayMs: number
  /** Longest backoff, and longest `Retry-After` honoured, in milliseconds. Default 30 000. */
  maxDelayMs: number
  /** Random source in [0, 1), for tests. Default Math.random. */
  random?: () => number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }

/** What the caller is told before a retry (the UI may show "retrying in 2 s"). */
export interface RetryInfo {
  attempt: number
  delayMs: number
  error: AppError
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>
  signal?: AbortSignal
  onRetry?: (info: RetryInfo) => void
}

/**
 * The wait before retry number `attempt` (1-based). `Retry-After` wins when the server sent it; otherwise
 * "equal jitter": half the exponential step fixed, half random, so clients that failed together spread out.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined)
    return Math.min(retryAfterMs, policy.maxDelayMs)
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  const random = policy.random ?? Math.random
  return step / 2 + random() * (step / 2)
}

/** Resolves after `ms`, or rejects with AppError 'aborted' when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted)
      return reject(new AppError('aborted'))
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AppError('aborted'))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Runs `fn` until it succeeds, fails with a non-transient error, or the attempts run out. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...opts.policy }
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    }
    catch (err) {
      await pauseOrThrow(err, attempt, policy, opts)
    }
  }
}

/** Like {@link withRetry} for a stream: a failure before the first chunk is retried, a failure after it is not. */
export async function* retryingStream<T>(open: (attempt: number) => AsyncIterable<T>, opts: RetryOptions = {}): AsyncGenerator<T> {
  const policy = { ...DEFAULT_RETRY, ...opts.policy }
  for (let attempt = 1; ; attempt++) {
    let started = false
    try {
      for await (const chunk of open(attempt)) {
        started = true
        yield chunk
      }
      return
    }
    catch (err) {
      if (started)
        throw err
      await pauseOrThrow(err, attempt, policy, opts)
    }
  }
}

async function pauseOrThrow(err: unknown, attempt: number, policy: RetryPolicy, opts: RetryOptions): Promise<void> {
  if (opts.signal?.aborted)
    throw new AppError('aborted')
  if (!isTransient(err) || attempt >= policy.attempts)
    throw err
  const retryAfterMs = err instanceof ServiceError ? err.retryAfterMs : undefined
  const delayMs = backoffDelayMs(attempt, policy, retryAfterMs)
  opts.onRetry?.({ attempt, delayMs, error: err as AppError })
  await sleep(delayMs, opts.signal)
}
