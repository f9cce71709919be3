/**
 * Makes fake-indexeddb refuse writes the way a full disk does, in two places:
 * - 'put': `IDBObjectStore.put` / `add` throw a DOMException 'QuotaExceededError' (what the e2e test stubs in Chromium);
 * - 'commit': the read-write transaction runs its requests, then aborts at commit with `tx.error` a DOMException
 *   'QuotaExceededError' and everything it wrote rolled back (what Chromium does when the quota check fails at commit).
 * `name` picks the error's name, for Firefox's `NS_ERROR_DOM_QUOTA_REACHED`. Uses fake-indexeddb 6's transaction
 * internals (`_start`, `_abort`, `_requests`, `_rollbackLog`), which implement the spec's "abort a transaction".
 */
import { IDBObjectStore as FDBObjectStore, IDBTransaction as FDBTransaction } from 'fake-indexeddb'

export type QuotaFault = 'put' | 'commit'

interface TxInternals {
  mode: IDBTransactionMode
  _state: string
  _requests: unknown[]
  _rollbackLog: unknown[]
  _start: () => void
  _abort: (errName: string | null) => void
}

const txProto = FDBTransaction.prototype as unknown as TxInternals
const storeProto = FDBObjectStore.prototype as unknown as Record<'put' | 'add', (...args: unknown[]) => unknown>
const original = { start: txProto._start, put: storeProto.put, add: storeProto.add }

/** Turns the fault on until the returned function is called. */
export function refuseWrites(fault: QuotaFault, name = 'QuotaExceededError'): () => void {
  if (fault === 'put') {
    for (const method of ['put', 'add'] as const) {
      storeProto[method] = function (this: { transaction: IDBTransaction }, ...args: unknown[]) {
        if (this.transaction.mode === 'readwrite')
          throw new DOMException('The quota has been exceeded.', name)
        return original[method].apply(this, args)
      }
    }
  }
  else {
    txProto._start = function (this: TxInternals) {
      if (this.mode === 'readwrite' && this._state !== 'finished' && this._requests.length === 0 && this._rollbackLog.length > 0) {
        this._abort(name)
        return
      }
      original.start.call(this)
    }
  }
  return () => {
    txProto._start = original.start
    storeProto.put = original.put
    storeProto.add = original.add
  }
}
