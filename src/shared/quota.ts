/**
 * "Storage is full", by every name browsers give it. No DOM: the worker and Node tests use it too.
 *
 * - Chromium and WebKit throw (or abort the IndexedDB transaction with) a DOMException named `QuotaExceededError`,
 *   legacy code 22; OPFS writes reject with the same.
 * - Firefox names it `QuotaExceededError` for IndexedDB, but `NS_ERROR_DOM_QUOTA_REACHED` (code 1014) for
 *   localStorage in older versions, and `NS_ERROR_FILE_NO_DEVICE_SPACE` when the disk itself is full.
 * - A transaction that aborts for lack of space reports it as `tx.error`, which `conversations/idb.ts` rejects with;
 *   idb-keyval rejects with the request's or transaction's error the same way. Wrappers keep it as `cause`.
 */

const QUOTA_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED', 'NS_ERROR_FILE_NO_DEVICE_SPACE'])
/** DOMException legacy codes: QUOTA_EXCEEDED_ERR (22), Firefox's NS_ERROR_DOM_QUOTA_REACHED (1014). */
const QUOTA_CODES = new Set([22, 1014])

/** Whether `err` (or an error it wraps, through `cause`) says the browser's storage for this site is full. */
export function isQuotaError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code } = e as { name?: unknown, code?: unknown }
    if ((typeof name === 'string' && QUOTA_NAMES.has(name)) || (typeof code === 'number' && QUOTA_CODES.has(code) && e instanceof Error))
      return true
    // An AppError already saying so (storage_quota for models, storage_full for the app's own data).
    if (code === 'storage_quota' || code === 'storage_full')
      return true
  }
  return false
}
