/**
 * Checks on stored models: the cheap one before every load (files present, sizes as recorded, GGUF magic and
 * header), eviction detection (the manifest says ready, OPFS lost the file), and Verify (re-hash everything).
 */
import { AppError } from '../../shared/errors'
import { readFacts } from '../../downloads/stored-files'
import { checksumSource, filesOf, putStoredModel, type StoredModel } from '../../models/manifest'
import { modelFileSize, openModelFile } from '../../models/opfs-store'

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

/**
 * What a successful Verify says, naming what the bytes were compared with: a hash the hub published, or (none
 * published) the hash computed when they were received, which shows only that they have not changed since.
 */
export function verifiedNotice(entry: StoredModel): string {
  const file = entry.ref.file
  switch (checksumSource(entry)) {
    case 'published':
      return `Verified: every byte of ${file} matches the SHA-256 its publisher gave.`
    case 'computed':
      return `Unchanged: every byte of ${file} matches the SHA-256 computed when it was stored. No checksum was `
        + 'published for it, so this shows the file has not changed since, not that it is the file the publisher meant.'
    default:
      return `Verified: every byte of ${file} matches the SHA-256 recorded when it was stored.`
  }
}

/** Re-hashes every file; on success records the time. @throws AppError 'integrity_failed' | 'model_evicted' */
export async function verifyStoredModel(entry: StoredModel, onProgress?: (loadedBytes: number, totalBytes: number) => void): Promise<StoredModel> {
  await cheapCheck(entry)
  let done = 0
  for (const f of filesOf(entry)) {
    const file = await openModelFile(f.fileName)
    // hash-wasm on first use: it is not part of the page's first load (bench `shell`).
    const { createSHA256 } = await import('hash-wasm')
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
