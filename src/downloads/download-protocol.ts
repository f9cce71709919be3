/**
 * Messages between the page (`./download-client.ts`) and the download worker (`src/workers/download/download.worker.ts`), and
 * the worker's pure handler. Downloads run in a worker because only there can OPFS write through a sync access
 * handle, whose flushed bytes survive a closed tab or a crash (the page's writable stream commits only on close).
 *
 *   page                                               download worker
 *   { id, type: 'download', ref, hubUrl }  ─────────▶  downloadModel()
 *                                          ◀─────────  { id, type: 'progress', payload } | { id, type: 'notice', message }  (0..n)
 *                                          ◀─────────  { id, type: 'result', payload: StoredModel } | { id, type: 'error', error }
 *   { id, type: 'abort' }                  ─────────▶  cancels download `id` (it answers error 'aborted')
 */
import type { ModelRef, Progress } from '../contract/types'
import { serializeError, type SerializedError } from '../shared/errors'
import { downloadModel } from './downloader'
import type { StoredModel } from '../models/manifest'

export type DownloadRequest =
  | { id: string, type: 'download', ref: ModelRef, hubUrl: string }
  | { id: string, type: 'abort' }

export type DownloadEvent =
  | { id: string, type: 'progress', payload: Progress }
  | { id: string, type: 'notice', message: string }
  | { id: string, type: 'plan', totalBytes: number }
  | { id: string, type: 'result', payload: StoredModel }
  | { id: string, type: 'error', error: SerializedError }

/** The worker side: `(msg, post) => void`, no globals, so tests can drive it directly. */
export function createDownloadHandler(run: typeof downloadModel = downloadModel) {
  const running = new Map<string, AbortController>()
  return (msg: DownloadRequest, post: (e: DownloadEvent) => void): void => {
    if (msg.type === 'abort')
      return void running.get(msg.id)?.abort()
    if (msg.type !== 'download' || running.has(msg.id))
      return post({ id: String((msg as { id?: unknown }).id ?? ''), type: 'error', error: serializeError(new Error('Unknown download request'), 'unknown') })
    const abort = new AbortController()
    running.set(msg.id, abort)
    run(msg.ref, {
      hubUrl: msg.hubUrl, signal: abort.signal,
      onProgress: payload => post({ id: msg.id, type: 'progress', payload }),
      onNotice: message => post({ id: msg.id, type: 'notice', message }),
      onPlan: totalBytes => post({ id: msg.id, type: 'plan', totalBytes }),
    }).then(
      payload => post({ id: msg.id, type: 'result', payload }),
      (err: unknown) => post({ id: msg.id, type: 'error', error: serializeError(err, 'download_failed') }),
    ).finally(() => running.delete(msg.id))
  }
}
