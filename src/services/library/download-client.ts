/**
 * The page's side of the download worker: the only place that creates it. Where module workers are missing the
 * download runs on the page instead (same code, writable-stream sink).
 */
import type { ModelRef } from '../../contract/types'
import { AppError, deserializeError } from '../../shared/errors'
import type { DownloadEvent, DownloadRequest } from '../../downloads/download-protocol'
import type { DownloadOptions } from '../../downloads/downloader'
import type { StoredModel } from '../../models/manifest'

let worker: Worker | undefined
let nextId = 0

function downloadWorker(): Worker | undefined {
  if (!worker && typeof Worker !== 'undefined')
    worker = new Worker(new URL('../../workers/download/download.worker.ts', import.meta.url), { type: 'module', name: 'download' })
  return worker
}

/** Downloads (or resumes) `ref` in the download worker. @throws as downloader.ts downloadModel */
export function startDownload(ref: ModelRef, opts: DownloadOptions): Promise<StoredModel> {
  const w = downloadWorker()
  if (!w) // No module workers: the engine runs in the page, loaded now rather than with the page.
    return import('../../downloads/downloader').then(m => m.downloadModel(ref, opts))
  const id = `dl-${++nextId}`
  return new Promise<StoredModel>((resolve, reject) => {
    const onAbort = () => w.postMessage({ id, type: 'abort' } satisfies DownloadRequest)
    const done = () => {
      w.removeEventListener('message', onMessage)
      w.removeEventListener('error', onCrash)
      opts.signal?.removeEventListener('abort', onAbort)
    }
    const settle = (then: () => void) => {
      done()
      then()
    }
    const onMessage = (ev: MessageEvent<DownloadEvent>) => {
      const e = ev.data
      if (e.id !== id)
        return
      if (e.type === 'progress')
        opts.onProgress?.(e.payload)
      else if (e.type === 'notice')
        opts.onNotice?.(e.message)
      else if (e.type === 'plan')
        opts.onPlan?.(e.totalBytes)
      else if (e.type === 'result')
        settle(() => resolve(e.payload))
      else
        settle(() => reject(deserializeError(e.error)))
    }
    const onCrash = (ev: ErrorEvent) => {
      done()
      worker = undefined
      reject(new AppError('download_failed', `The download worker stopped (${ev.message}). Press Resume to continue.`))
    }
    w.addEventListener('message', onMessage)
    w.addEventListener('error', onCrash)
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    w.postMessage({ id, type: 'download', ref: { ...ref }, hubUrl: opts.hubUrl } satisfies DownloadRequest)
  })
}
