import { shallowRef } from 'vue'
import type { AppError } from '../protocol/errors'

/** One error the user saw, kept for "Copy diagnostics". */
export interface LoggedError {
  code: string
  message: string
  /** ms since the epoch. */
  at: number
}

/** How many recent errors diagnostics include. */
const KEPT = 20

const recent = shallowRef<LoggedError[]>([])

/** The errors shown to the user in this session, newest last. */
export function useErrorLog() {
  function record(err: Pick<AppError, 'code' | 'message'>): void {
    const last = recent.value[recent.value.length - 1]
    if (last && last.code === err.code && last.message === err.message && Date.now() - last.at < 1000)
      return
    recent.value = [...recent.value.slice(-(KEPT - 1)), { code: err.code, message: err.message, at: Date.now() }]
  }
  return { recent, record }
}
