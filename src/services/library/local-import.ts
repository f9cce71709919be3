/**
 * A `.gguf` the user picked or dropped: the header is checked first (bounded time and memory, nothing copied for a
 * bad file), then the file is copied into OPFS while hashed, and recorded as ready with the hash it was copied with.
 */
import type { Progress } from '../../contract/types'
import { AppError, toAppError } from '../../shared/errors'
import { isQuotaError } from '../../shared/quota'
import { modelRef } from '../../models/catalog'
import { readFacts } from '../../downloads/stored-files'
import { openFileSink } from '../../downloads/file-sink'
import { blobSource, validateGguf } from '../../models/gguf'
import { deleteStoredModel, putStoredModel, type StoredModel } from '../../models/manifest'
import { deleteModelFile } from '../../models/opfs-store'
import { SpeedMeter } from '../../models/speed-meter'
import { ensureSpace, requestPersist } from '../../models/storage'
import { storageName } from '../../models/storage-name'

/** `repo` of models imported from the user's disk. */
export const LOCAL_REPO = 'local-file'
const CHUNK_BYTES = 4 * 2 ** 20

/**
 * @throws AppError 'invalid_model_file' | 'truncated_model_file' | 'storage_quota' | 'aborted' | 'download_failed'
 */
export async function importLocalFile(file: File, opts: { signal?: AbortSignal, onProgress?: (p: Progress) => void } = {}): Promise<StoredModel> {
  const check = await validateGguf(blobSource(file))
  if (!check.ok)
    throw new AppError(check.code, `${file.name}: ${check.message}`)
  const ref = modelRef(LOCAL_REPO, file.name, 'local')
  const fileName = storageName({ repo: ref.repo, revision: 'local', file: ref.file })
  await ensureSpace(file.size)
  await requestPersist()
  try {
    const sha256 = await copyHashing(file, fileName, opts)
    const facts = await readFacts(fileName)
    const now = Date.now()
    const entry: StoredModel = {
      ref, fileName, files: [{ path: file.name, fileName, sizeBytes: file.size, sha256, sha256Source: 'computed' }], sizeBytes: file.size, sha256,
      revision: 'local', state: 'ready', hasChatTemplate: facts.hasChatTemplate, facts, storedAt: now, verifiedAt: now,
      lastUsedAt: now, source: 'local file',
    }
    await putStoredModel(entry)
    return entry
  }
  catch (err) {
    await Promise.all([deleteModelFile(fileName), deleteStoredModel(ref.id)])
    const e = toAppError(err, 'download_failed')
    throw isQuotaError(err) && e.code !== 'storage_quota' ? new AppError('storage_quota', undefined, { cause: err }) : e
  }
}

async function copyHashing(file: File, fileName: string, opts: { signal?: AbortSignal, onProgress?: (p: Progress) => void }): Promise<string> {
  // hash-wasm on first use: it is not part of the page's first load (bench `shell`).
    const { createSHA256 } = await import('hash-wasm')
    const hasher = await createSHA256()
  const sink = await openFileSink(fileName, 0)
  const meter = new SpeedMeter()
  try {
    for (let at = 0; at < file.size; at += CHUNK_BYTES) {
      if (opts.signal?.aborted)
        throw new AppError('aborted')
      const bytes = new Uint8Array(await file.slice(at, at + CHUNK_BYTES).arrayBuffer())
      await sink.write(bytes)
      hasher.update(bytes)
      if (meter.shouldReport(sink.sizeBytes, file.size))
        opts.onProgress?.({ phase: 'download', loadedBytes: sink.sizeBytes, totalBytes: file.size, bytesPerSecond: meter.bytesPerSecond(sink.sizeBytes) })
    }
  }
  finally {
    await sink.close()
  }
  return hasher.digest('hex')
}
