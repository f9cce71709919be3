/**
 * HTTP failures of the cloud backends (Gemini, OpenAI-compatible servers) as AppErrors with a code the user can act
 * on, plus what the retry policy needs: the status and the server's `Retry-After`. API keys are scrubbed from every
 * message, because a server may echo the request back in its error body.
 */
import { AppError, type ErrorCode } from '../protocol/errors'

/** An AppError from a remote service: the HTTP status (0 for a network failure) and how long the server asked us to wait. */
export class ServiceError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** From `Retry-After`, in milliseconds; undefined when the server did not say. */
    readonly retryAfterMs?: number,
  ) {
    super(code, message)
  }
}

/** The code for an HTTP status: 400/401/403 are the caller's fault and never retried; 429, 408 and 5xx are transient. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 429)
    return 'rate_limited'
  if (status === 408 || status >= 500)
    return 'service_unavailable'
  if (status === 404)
    return 'model_not_found'
  return 'request_rejected'
}

/** `Retry-After` as milliseconds: either delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value)
    return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed))
    return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 4)
      out = out.split(secret).join('[redacted]')
  }
  return out
}

/** A failed HTTP response as a ServiceError, with the service's own message (trimmed, keys removed). */
export function httpError(service: string, status: number, body: string, retryAfter: string | null, secrets: Array<string | undefined>): ServiceError {
  const code = codeForStatus(status)
  const detail = redact(body, secrets).slice(0, 300)
  return new ServiceError(code, `${service} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, status, parseRetryAfter(retryAfter))
}

/** Whether the error is worth another attempt: rate limits, server errors and network failures. */
export function isTransient(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'rate_limited' || err.code === 'service_unavailable')
}
