/**
 * What the resumable downloads (`./fetch-resume.ts`, `./parallel-fetch.ts`) share about HTTP and storage failures:
 * which errors a retry can cure, and the user-facing errors for a full disk, a wrong size and a missing file.
 */
import { AppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'

/** The expected size and URL of a download, for error messages. */
interface SizedTarget { url: string, sizeBytes: number }

/** A full disk as `storage_quota` (the partial download is kept); anything else unchanged. */
export function quotaOr(err: unknown): unknown {
  if (isQuotaError(err) && !(err instanceof AppError))
    return new AppError('storage_quota', 'Storage filled up during the download. The part already downloaded is kept: free some space, then press Resume.', { cause: err })
  return err
}

/** The server sent more (or other) bytes than the hub announced. */
export function wrongSize(target: SizedTarget, bytes: number): AppError {
  return new AppError('integrity_failed', `Wrong size: the server sent at least ${bytes} bytes of a file the hub said is `
    + `${target.sizeBytes} bytes. The download was deleted.`)
}

/** An HTTP status that is not success; `status` decides whether a retry makes sense. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** 404/401 as `model_not_found`; other statuses as {@link HttpError}. */
export function httpError(status: number, target: SizedTarget): Error {
  if (status === 404 || status === 401)
    return new AppError('model_not_found', `The server answered ${status}: the file ${target.url} was not found.`)
  return new HttpError(status, `The server answered HTTP ${status}.`)
}

/** Dropped connections (fetch's TypeError), 5xx, 408 and 429 are worth another try; nothing else is. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof AppError)
    return false
  if (err instanceof HttpError)
    return err.status >= 500 || err.status === 408 || err.status === 429
  return true
}

/** Waits `ms`, or rejects with `aborted` when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new AppError('aborted'))
    }, { once: true })
  })
}
