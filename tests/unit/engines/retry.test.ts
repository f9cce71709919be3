/** Backoff with jitter, Retry-After parsing, and which errors are retried. */
import { describe, expect, it } from 'vitest'
import { codeForStatus, parseRetryAfter, redact, ServiceError } from '../../../src/services/cloud/http-errors'
import { backoffDelayMs, DEFAULT_RETRY, retryingStream, withRetry } from '../../../src/services/cloud/retry'
import { AppError } from '../../../src/shared/errors'

const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 }

describe('backoff', () => {
  it('grows exponentially with jitter between half and the full step, capped', () => {
    expect(backoffDelayMs(1, { ...policy, random: () => 0 })).toBe(50)
    expect(backoffDelayMs(1, { ...policy, random: () => 0.999999 })).toBeCloseTo(100, 3)
    expect(backoffDelayMs(3, { ...policy, random: () => 0.5 })).toBe(300)
    expect(backoffDelayMs(10, { ...policy, random: () => 1 })).toBe(1000)
  })

  it('takes the server\'s Retry-After over its own schedule, up to the cap', () => {
    expect(backoffDelayMs(1, policy, 700)).toBe(700)
    expect(backoffDelayMs(1, policy, 60_000)).toBe(1000)
  })

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })

  it('maps statuses: 429 rate limit, 5xx/408 transient, 400/401/403 the caller\'s', () => {
    expect([429, 500, 503, 408, 400, 401, 403].map(codeForStatus)).toEqual(
      ['rate_limited', 'service_unavailable', 'service_unavailable', 'service_unavailable', 'request_rejected', 'request_rejected', 'request_rejected'],
    )
  })

  it('redacts every occurrence of a secret', () => {
    expect(redact('k=abcd1234 and abcd1234', ['abcd1234'])).toBe('k=[redacted] and [redacted]')
  })
})

describe('withRetry', () => {
  const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }

  it('retries transient errors up to the attempt limit', async () => {
    let calls = 0
    await expect(withRetry(async () => { calls++; throw new ServiceError('service_unavailable', 'x', 500) }, { policy: fast })).rejects.toMatchObject({ code: 'service_unavailable' })
    expect(calls).toBe(3)
  })

  it('does not retry a rejected key', async () => {
    let calls = 0
    await expect(withRetry(async () => { calls++; throw new ServiceError('request_rejected', 'x', 401) }, { policy: fast })).rejects.toMatchObject({ code: 'request_rejected' })
    expect(calls).toBe(1)
  })

  it('stops waiting when aborted', async () => {
    const controller = new AbortController()
    const p = withRetry(async () => { throw new ServiceError('rate_limited', 'x', 429, 10_000) }, { policy: { ...fast, maxDelayMs: 10_000 }, signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    await expect(p).rejects.toMatchObject({ code: 'aborted' })
  })

  it('a stream is retried before its first chunk only', async () => {
    let opens = 0
    async function* flaky(): AsyncGenerator<string> {
      opens++
      if (opens === 1)
        throw new ServiceError('service_unavailable', 'x', 503)
      yield 'a'
      throw new ServiceError('service_unavailable', 'cut', 0)
    }
    const got: string[] = []
    await expect((async () => { for await (const c of retryingStream(flaky, { policy: fast })) got.push(c) })()).rejects.toBeInstanceOf(AppError)
    expect(opens).toBe(2)
    expect(got).toEqual(['a'])
  })
})
