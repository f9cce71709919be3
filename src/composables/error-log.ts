import { shallowRef } from 'vue'
import type { AppError } from '../shared/errors'

/**
 * One error the user saw, kept for "Copy diagnostics": its code, HTTP status and time only. The message is not kept:
 * it may quote a server's reply (which can echo the request, the conversation, or a key in any encoding) or the
 * person's own text, and diagnostics must hold neither.
 */
export interface LoggedError {
  code: string
  /** The HTTP status of a failed request to a service, when the error came from one (0: no answer). */
  status?: number
  /** ms since the epoch. */
  at: number
}

/** How many recent errors diagnostics include. */
const KEPT = 20

const recent = shallowRef<LoggedError[]>([])

/** An HTTP status carried by the error (ServiceError.status), if it is one. */
function statusOf(err: object): number | undefined {
  const status = (err as { status?: unknown }).status
  return typeof status === 'number' && Number.isInteger(status) && status >= 0 && status <= 599 ? status : undefined
}

/** The errors shown to the user in this session, newest last. */
export function useErrorLog() {
  function record(err: Pick<AppError, 'code'>): void {
    const status = statusOf(err)
    const last = recent.value[recent.value.length - 1]
    if (last && last.code === err.code && last.status === status && Date.now() - last.at < 1000)
      return
    recent.value = [...recent.value.slice(-(KEPT - 1)), { code: err.code, ...(status !== undefined && { status }), at: Date.now() }]
  }
  return { recent, record }
}
