/**
 * Checks on stored models: the cheap one before every load (files present, sizes as recorded, GGUF magic and
 * header), eviction detection (the manifest says ready, OPFS lost the file), and Verify (re-hash everything).
 */
import { createSHA256 } from 'hash-wasm'
import { AppError } from '../protocol/errors'
import { readFacts } from './downloader'
import { filesOf, putStoredModel, type StoredModel } from './manifest'
import { modelFileSize, openModelFile } from './opfs-store'

const CHUNK_BYTES = 4 * 2 ** 20

/** Whether every file of a ready model is in OPFS with its recorded size: `missing` (evicted) or `damaged` if not. */
export async function presenceOf(entry: StoredModel): Promise<'present' | 'missing' | 'damaged'> {
  const files = filesOf(entry)
  const sizes = await Promise.all(files.map(f => modelFileSize(f.fileName)))
  if (sizes.some(size => size === undefined))
    return 'missing'
  return sizes.every((size, i) => size === files[i]!.sizeBytes) ? 'present' : 'damaged'
}

/**
 * Size, magic and header of every file: what runs before every load.
 * @throws AppError 'model_evicted' (a file is gone) | 'truncated_model_file' | 'invalid_model_file'
 */
export async function cheapCheck(entry: StoredModel): Promise<void> {
  for (const f of filesOf(entry)) {
    const size = await modelFileSize(f.fileName)
    if (size === undefined)
      throw new AppError('model_evicted', `The file of ${entry.ref.file} is no longer in this browser's storage (the browser may have evicted it). Download it again.`)
    if (size !== f.sizeBytes)
      throw new AppError('truncated_model_file', `${f.path} has ${size} bytes on disk, but ${f.sizeBytes} were verified. Delete it and download it again.`)
  }
  await readFacts(entry.fileName)
}

/** Re-hashes every file; on success records the time. @throws AppError 'integrity_failed' | 'model_evicted' */
export async function verifyStoredModel(entry: StoredModel, onProgress?: (loadedBytes: number, totalBytes: number) => void): Promise<StoredModel> {
  await cheapCheck(entry)
  let done = 0
  for (const f of filesOf(entry)) {
    const file = await openModelFile(f.fileName)
    const hasher = await createSHA256()
    for (let at = 0; at < file.size; at += CHUNK_BYTES) {
      const bytes = new Uint8Array(await file.slice(at, at + CHUNK_BYTES).arrayBuffer())
      hasher.update(bytes)
      done += bytes.byteLength
      onProgress?.(done, entry.sizeBytes)
    }
    const got = hasher.digest('hex')
    if (got !== f.sha256)
      throw new AppError('integrity_failed', `${f.path} changed on disk (expected ${f.sha256}, got ${got}). Delete it and download it again.`)
  }
  const verified = { ...entry, verifiedAt: Date.now() }
  await putStoredModel(verified)
  return verified
}
