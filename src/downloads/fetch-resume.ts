/**
 * One file from an HTTP URL into OPFS, resumable: SHA-256 computed while writing (hash-wasm, because WebCrypto has no
 * streaming digest), a dropped connection retried with `Range: bytes=<last byte on disk>-`, and the hasher state
 * checkpointed in IndexedDB (hash-wasm `save()`/`load()`) so a resume after a closed tab continues the hash.
 *
 * The disk is the truth: on start the partial file's size is the offset, and the checkpoint is used only for the
 * bytes it covers; bytes on disk past it are re-hashed from the file. The exception is a file the sink sized up front
 * (`preallocated` checkpoint, written before the first byte): its length is not data, so the download continues from
 * the checkpoint and the sink cuts the file back to it.
 *
 * Where the bytes and checkpoints live is a {@link DownloadStorage}: OPFS and IndexedDB in the app (the default), the
 * file system in Node (`server/node-download-storage.ts`, for the test models' cache).
 */
import { createSHA256, type IHasher } from 'hash-wasm'
import { AppError, toAppError } from '../shared/errors'
import { httpError, isRetriable, quotaOr, sleep, wrongSize } from './download-http'
import { openFileSink, openRandomAccessFile, type FileSink } from './file-sink'
import { fetchParallel, PARALLEL_FROM_BYTES, type RandomAccessFile } from './parallel-fetch'
import { isGgufMagic } from '../models/gguf'
import { deleteCheckpoint, getCheckpoint, putCheckpoint, type HashCheckpoint } from '../models/manifest'
import { modelFileSize, openModelFile } from '../models/opfs-store'

/** Where a download is written and its hasher checkpoints kept, by file name. */
export interface DownloadStorage {
  /** Bytes of the file on disk; undefined when there is none. */
  fileSize(fileName: string): Promise<number | undefined>
  /** Bytes `[start, end)` of the file. @throws when the file cannot be read */
  readSlice(fileName: string, start: number, end: number): Promise<Blob>
  /**
   * Opens the file for writing at `offsetBytes`, cutting anything after it; `expectedBytes` (0: unknown) lets the
   * sink size the file up front (`FileSink.preallocated`). @throws the storage's error (QuotaExceededError when full)
   */
  openSink(fileName: string, offsetBytes: number, expectedBytes: number): Promise<FileSink>
  /** The hasher state saved for the file's first `offsetBytes`, if any. */
  getCheckpoint(fileName: string): Promise<HashCheckpoint | undefined>
  putCheckpoint(fileName: string, checkpoint: HashCheckpoint): Promise<void>
  deleteCheckpoint(fileName: string): Promise<void>
  /**
   * Opens the file for writes and reads at any offset, sized to `sizeBytes`, for a download over parallel ranged
   * connections; undefined (or absent) where the storage cannot, and the download goes in one stream.
   */
  openRandomAccess?(fileName: string, sizeBytes: number): Promise<RandomAccessFile | undefined>
}

/** The app's storage: files in OPFS (`./opfs-store`, `./file-sink`), checkpoints in IndexedDB (`./manifest`). */
export const opfsDownloadStorage: DownloadStorage = {
  fileSize: fileName => modelFileSize(fileName),
  readSlice: async (fileName, start, end) => (await openModelFile(fileName)).slice(start, end),
  openSink: (fileName, offsetBytes, expectedBytes) => openFileSink(fileName, offsetBytes, expectedBytes),
  getCheckpoint: fileName => getCheckpoint(fileName),
  putCheckpoint: (fileName, checkpoint) => putCheckpoint(fileName, checkpoint),
  deleteCheckpoint: fileName => deleteCheckpoint(fileName),
  openRandomAccess: (fileName, sizeBytes) => openRandomAccessFile(fileName, sizeBytes),
}

export interface FetchTarget {
  url: string
  fileName: string
  /** Expected size, in bytes. */
  sizeBytes: number
}

export interface FetchOptions {
  signal?: AbortSignal
  /** Called with the bytes of this file on disk, after each chunk. */
  onBytes?: (loadedBytes: number) => void
  /** Retries after a dropped connection or a 5xx, each continuing with a Range request. @default 3 */
  retries?: number
  /** Wait before the first retry, doubled after each; ms. @default 500 */
  retryDelayMs?: number
  /** Where the file and its checkpoints go. @default opfsDownloadStorage */
  storage?: DownloadStorage
  /**
   * Files of {@link PARALLEL_FROM_BYTES} or more go over several ranged connections (`./parallel-fetch.ts`) when the
   * storage can write at offsets and the server honours Range; false keeps one stream. Most connections: `maxConnections`.
   * @default true
   */
  parallel?: boolean
  maxConnections?: number
  /** From this size on a file goes over parallel connections. @default PARALLEL_FROM_BYTES */
  parallelFromBytes?: number
  /** Bytes per range request of a parallel download. @default SEGMENT_BYTES (parallel-fetch.ts) */
  segmentBytes?: number
  /** Connections a parallel download starts with. @default INITIAL_CONNECTIONS (parallel-fetch.ts) */
  initialConnections?: number
}

/**
 * Hasher checkpoints (a flush to disk and an IndexedDB write) are written after this many bytes. 32 MiB: at 8 MiB
 * they cost 0.2 s of a 3 s download of 127 MiB from a local mirror. Bytes past the last checkpoint are re-hashed
 * from the file on resume, except in a file sized up front, where they are downloaded again: there a checkpoint is
 * also written every {@link PREALLOCATED_CHECKPOINT_MS}, so a crash loses at most that much time of download.
 */
const CHECKPOINT_EVERY_BYTES = 32 * 2 ** 20
const PREALLOCATED_CHECKPOINT_MS = 2000
/**
 * Files from this size on are sized up front (see file-sink.ts): that halves the write time of a big file, and costs
 * a crash up to {@link PREALLOCATED_CHECKPOINT_MS} of download; a smaller file keeps resuming to the byte.
 */
const PREALLOCATE_FROM_BYTES = 64 * 2 ** 20
const REHASH_CHUNK_BYTES = 4 * 2 ** 20

/**
 * Downloads (or continues) `target` into `opts.storage` (OPFS by default) and returns the SHA-256 hex of the whole file.
 * @throws AppError 'aborted' | 'model_not_found' | 'download_failed' | 'integrity_failed' (wrong size) |
 *   'invalid_model_file' | 'storage_quota'; the partial file is left on disk for the caller to keep or delete
 */
export async function fetchToOpfs(target: FetchTarget, opts: FetchOptions = {}): Promise<string> {
  const storage = opts.storage ?? opfsDownloadStorage
  const hasher = await createSHA256()
  let offset = await restoreHasher(hasher, target.fileName, storage)
  opts.onBytes?.(offset)
  const openRandomAccess = storage.openRandomAccess?.bind(storage)
  if (opts.parallel !== false && openRandomAccess && target.sizeBytes >= (opts.parallelFromBytes ?? PARALLEL_FROM_BYTES) && offset < target.sizeBytes) {
    const digest = await fetchParallel(target, hasher, offset, { ...storage, openRandomAccess }, opts)
    if (digest !== undefined)
      return digest
    // The server ignored Range (or the storage cannot write at offsets): one stream, from the checkpoint it left.
    offset = await restoreHasher(hasher, target.fileName, storage)
  }
  const retries = opts.retries ?? 3
  for (let attempt = 0; offset < target.sizeBytes; attempt++) {
    try {
      const before = offset
      offset = await fetchFrom(target, offset, hasher, opts, storage)
      // A body that ended early is a dropped connection; one that brought nothing is a server that has no more.
      if (offset === before)
        throw wrongSize(target, offset)
      if (offset < target.sizeBytes)
        throw new TypeError(`The connection closed after ${offset} of ${target.sizeBytes} bytes.`)
    }
    catch (err) {
      if (opts.signal?.aborted)
        throw new AppError('aborted')
      if (!isRetriable(err) || attempt >= retries)
        throw toAppError(err, 'download_failed')
      await sleep((opts.retryDelayMs ?? 500) * 2 ** attempt, opts.signal)
      offset = await restoreHasher(hasher, target.fileName, storage)
    }
  }
  if (offset > target.sizeBytes)
    throw wrongSize(target, offset)
  return hasher.digest('hex')
}

/** Sets the hasher to the state after the bytes on disk; returns their count. */
async function restoreHasher(hasher: IHasher, fileName: string, storage: DownloadStorage): Promise<number> {
  hasher.init()
  const onDisk = (await storage.fileSize(fileName)) ?? 0
  if (onDisk === 0)
    return 0
  const checkpoint = await storage.getCheckpoint(fileName)
  if (checkpoint?.preallocated && checkpoint.offsetBytes <= onDisk) {
    // The file's length is the size it was given, not the bytes received: continue from the checkpoint.
    hasher.load(checkpoint.state)
    return checkpoint.offsetBytes
  }
  let from = 0
  if (checkpoint && checkpoint.offsetBytes <= onDisk) {
    hasher.load(checkpoint.state)
    from = checkpoint.offsetBytes
  }
  for (let at = from; at < onDisk; at += REHASH_CHUNK_BYTES)
    hasher.update(new Uint8Array(await (await storage.readSlice(fileName, at, Math.min(at + REHASH_CHUNK_BYTES, onDisk))).arrayBuffer()))
  return onDisk
}

/** One request from `offset`; returns the bytes on disk when the body ended. */
async function fetchFrom(target: FetchTarget, offset: number, hasher: IHasher, opts: FetchOptions, storage: DownloadStorage): Promise<number> {
  const res = await fetch(target.url, { signal: opts.signal, cache: 'no-store', ...(offset > 0 && { headers: { Range: `bytes=${offset}-` } }) })
  if (offset > 0 && res.status === 416)
    throw wrongSize(target, offset)
  if (!res.ok || !res.body)
    throw httpError(res.status, target)
  if (offset > 0 && res.status !== 206) {
    // The server ignored the Range: start over from byte 0.
    await res.body.cancel()
    hasher.init()
    offset = 0
  }
  const sizeUpFront = target.sizeBytes >= PREALLOCATE_FROM_BYTES ? target.sizeBytes : 0
  const sink = await storage.openSink(target.fileName, offset, sizeUpFront).catch((err: unknown) => { throw quotaOr(err) })
  try {
    // Before the first byte lands in a file sized up front, so a crash never leaves its length taken for data.
    if (sink.preallocated)
      await storage.putCheckpoint(target.fileName, { offsetBytes: offset, state: hasher.save(), preallocated: true })
    return await pump(res.body, sink, target, hasher, opts, storage)
  }
  finally {
    await closeAndCheckpoint(sink, target.fileName, hasher, storage)
  }
}

async function pump(body: ReadableStream<Uint8Array>, sink: FileSink, target: FetchTarget, hasher: IHasher, opts: FetchOptions, storage: DownloadStorage): Promise<number> {
  const reader = body.getReader()
  let sinceCheckpoint = 0
  let checkpointAt = performance.now()
  for (;;) {
    const { done, value } = await reader.read()
    if (done)
      return sink.sizeBytes
    if (sink.sizeBytes === 0 && value.byteLength >= 4 && !isGgufMagic(value))
      throw new AppError('invalid_model_file', 'This file is not a GGUF model: it does not start with "GGUF".')
    if (sink.sizeBytes + value.byteLength > target.sizeBytes)
      throw wrongSize(target, sink.sizeBytes + value.byteLength)
    await sink.write(value).catch((err: unknown) => { throw quotaOr(err) })
    hasher.update(value)
    opts.onBytes?.(sink.sizeBytes)
    sinceCheckpoint += value.byteLength
    if (sinceCheckpoint >= CHECKPOINT_EVERY_BYTES || (sink.preallocated && performance.now() - checkpointAt >= PREALLOCATED_CHECKPOINT_MS)) {
      sinceCheckpoint = 0
      checkpointAt = performance.now()
      await sink.flush()
      await storage.putCheckpoint(target.fileName, { offsetBytes: sink.sizeBytes, state: hasher.save(), preallocated: sink.preallocated })
    }
  }
}

/** Closing makes the bytes durable; only then does a checkpoint for them make sense. */
async function closeAndCheckpoint(sink: FileSink, fileName: string, hasher: IHasher, storage: DownloadStorage): Promise<void> {
  try {
    await sink.close()
    await storage.putCheckpoint(fileName, { offsetBytes: sink.sizeBytes, state: hasher.save() })
  }
  catch (err) {
    // The next start re-hashes from the file; a stale checkpoint beyond the file is ignored.
    console.warn('Could not checkpoint the partial download', err)
    await storage.deleteCheckpoint(fileName).catch(() => undefined)
  }
}

