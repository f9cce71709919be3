/**
 * HTTP failures of the cloud backends (Gemini, OpenAI-compatible servers) as AppErrors with a code the user can act
 * on, plus what the retry policy needs: the status and the server's `Retry-After`. API keys are scrubbed from every
 * message, because a server may echo the request back in its error body.
 */
import { AppError, type ErrorCode } from '../../shared/errors'

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
    return 'server_model_not_found'
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

/**
 * The server's own words from an error body: `{"error":{"message"}}` (OpenAI, Ollama, Gemini, also inside a list),
 * `{"error":"..."}` (Ollama's native API), `{"message"}`, `{"detail"}` (FastAPI servers); otherwise the text itself.
 */
export function serverMessage(body: string): string {
  try {
    const found = messageIn(JSON.parse(body))
    if (found)
      return found
  }
  catch {
    // not JSON: the body is the message
  }
  return body.trim()
}

function messageIn(value: unknown): string | undefined {
  if (typeof value === 'string')
    return value.trim() || undefined
  if (Array.isArray(value))
    return messageIn(value[0])
  if (!value || typeof value !== 'object')
    return undefined
  const v = value as Record<string, unknown>
  return messageIn(v.error) ?? messageIn(v.message) ?? messageIn(v.detail) ?? messageIn((v.detail as Array<{ msg?: unknown }> | undefined)?.[0]?.msg)
}

/** Advice that fits what the server said, or '' when the error code's own next step says it. */
function adviceFor(status: number, message: string): string {
  const model = /model\s+["'`]?([^"'`\s]+)["'`]?/i.exec(message)?.[1]
  if (status === 404 && /pull/i.test(message))
    return ` Pull the model on that server first${model ? ` (ollama pull ${model})` : ''}, or check the model name in Settings.`
  if (status === 404 && /model/i.test(message))
    return ' Check the model name in Settings against the models the server lists.'
  if (status === 404)
    return ' Check the server URL in Settings: it should be the server root, with or without /v1.'
  return ''
}

/**
 * A failed HTTP response as a ServiceError carrying the server's own message (keys removed), attributed to the
 * service as the person configured it, host included ("The server at localhost:11434"), plus advice that fits.
 */
export function httpError(service: string, status: number, body: string, retryAfter: string | null, secrets: Array<string | undefined>): ServiceError {
  const code = codeForStatus(status)
  const said = redact(serverMessage(body), secrets).slice(0, 300)
  const message = `${service} answered${said ? `: ${said}` : ' with an error'} (HTTP ${status}).${adviceFor(status, said)}`
  return new ServiceError(code, message, status, parseRetryAfter(retryAfter))
}

/** Whether the error is worth another attempt: rate limits, server errors and network failures. */
export function isTransient(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'rate_limited' || err.code === 'service_unavailable')
}
