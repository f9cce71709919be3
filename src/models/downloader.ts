/**
 * Streams a GGUF from the hub into OPFS: progress (bytes, percent, speed), SHA-256 on the fly, GGUF checks, and
 * nothing half-done: on any failure the partial file and its manifest entry are removed.
 */
import { createSHA256 } from 'hash-wasm'
import { AppError, toAppError } from '../protocol/errors'
import type { ModelRef, Progress } from '../engines/types'
import { toModelRef } from './catalog'
import { blobSource, isGgufMagic, validateGguf } from './gguf'
import { hubFileBlob, hubFileInfo } from './hub-client'
import { deleteStoredModel, putStoredModel, type StoredModel } from './manifest'
import { createModelWritable, deleteModelFile, fileNameFor, openModelFile, storageEstimate } from './opfs-store'
import { SpeedMeter } from './speed-meter'

export interface DownloadOptions {
  hubUrl: string
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
}

/** @throws AppError 'model_not_found' | 'download_failed' | 'integrity_failed' | 'invalid_model_file' | 'truncated_model_file' | 'storage_quota' | 'aborted' */
export async function downloadModel(model: ModelRef, opts: DownloadOptions): Promise<StoredModel> {
  const ref = toModelRef(model)
  const info = await hubFileInfo(ref, opts.hubUrl)
  await ensureSpace(info.sizeBytes)
  const blob = await hubFileBlob(ref, opts.hubUrl)
  const fileName = fileNameFor(ref)
  try {
    const sha256 = await streamToOpfs(blob, fileName, info.sizeBytes, opts)
    if (info.sha256 && sha256 !== info.sha256)
      throw new AppError('integrity_failed', `The file's SHA-256 is ${sha256}, but the hub says ${info.sha256}. It was deleted.`)
    const check = await validateGguf(blobSource(await openModelFile(fileName)))
    if (!check.ok)
      throw new AppError(check.code, check.message)
    const entry: StoredModel = {
      ref, fileName, sizeBytes: info.sizeBytes, sha256, state: 'ready',
      hasChatTemplate: check.summary.hasChatTemplate, storedAt: Date.now(),
    }
    await putStoredModel(entry)
    return entry
  }
  catch (err) {
    await Promise.all([deleteModelFile(fileName), deleteStoredModel(ref.id)])
    throw toAppError(err, 'download_failed')
  }
}

async function ensureSpace(sizeBytes: number): Promise<void> {
  const { usageBytes, quotaBytes } = await storageEstimate()
  if (quotaBytes > 0 && quotaBytes - usageBytes < sizeBytes) {
    const needMiB = Math.ceil(sizeBytes / 2 ** 20)
    const freeMiB = Math.floor((quotaBytes - usageBytes) / 2 ** 20)
    throw new AppError('storage_quota', `This model needs ${needMiB} MiB, but only ${freeMiB} MiB of storage is free.`)
  }
}

/** Writes the stream to OPFS and returns its SHA-256 hex. Fails fast on a file that does not start with `GGUF`. */
async function streamToOpfs(blob: Blob, fileName: string, totalBytes: number, opts: DownloadOptions): Promise<string> {
  const hasher = await createSHA256()
  const writable = await createModelWritable(fileName)
  const reader = blob.stream().getReader()
  const meter = new SpeedMeter()
  const onAbort = () => void reader.cancel().catch(() => undefined) // the abort is reported below
  opts.signal?.addEventListener('abort', onAbort)
  let loaded = 0
  try {
    for (;;) {
      if (opts.signal?.aborted)
        throw new AppError('aborted')
      const { done, value } = await reader.read()
      if (done)
        break
      if (loaded === 0 && value.byteLength >= 4 && !isGgufMagic(value))
        throw new AppError('invalid_model_file', 'This file is not a GGUF model: it does not start with "GGUF".')
      hasher.update(value)
      await writable.write(value)
      loaded += value.byteLength
      if (meter.shouldReport(loaded, totalBytes))
        opts.onProgress?.({ phase: 'download', loadedBytes: loaded, totalBytes, bytesPerSecond: meter.bytesPerSecond(loaded) })
    }
    await writable.close()
  }
  catch (err) {
    await writable.abort().catch(() => undefined) // the original error matters more than a failed cleanup
    throw opts.signal?.aborted ? new AppError('aborted') : toAppError(err, 'download_failed')
  }
  finally {
    opts.signal?.removeEventListener('abort', onAbort)
  }
  if (loaded !== totalBytes)
    throw new AppError('download_failed', `The download stopped at ${loaded} of ${totalBytes} bytes.`)
  return hasher.digest('hex')
}
