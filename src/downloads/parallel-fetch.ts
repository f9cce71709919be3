/**
 * One big file over several ranged connections at once, as huggingface.js downloads from the Hub: the Hub's CDN caps
 * what one connection gets, so a single stream is slow however fast the line is.
 *
 * - The file is sized to its final length and every connection writes its bytes at their offset through one
 *   random-access handle (OPFS `FileSystemSyncAccessHandle` in the download worker).
 * - SHA-256 covers every byte in order ({@link PrefixHasher}): the hash follows the contiguous prefix as it grows,
 *   from the bytes in memory when a chunk lands right at the prefix's end, otherwise by reading back from the file
 *   what other connections wrote ahead; so hashing goes on while the later ranges are still arriving.
 * - Memory is bounded: at most one network chunk per connection in flight plus one read-back buffer
 *   (`READ_BACK_BYTES`, prefix-hasher.ts); no range is held in memory.
 * - The number of connections adapts: it starts at {@link INITIAL_CONNECTIONS} and adds one while each addition
 *   raised the measured throughput by at least {@link GROWTH_GAIN}, up to {@link MAX_CONNECTIONS}. One to start with:
 *   from a fast uncapped server one stream is best (every range that lands ahead of the prefix is read back for the
 *   hash), and a capped one shows its cap within the first second.
 * - The URL redirects (the Hub: 302 from `/resolve/` to a signed CDN URL that expires in about an hour). The CDN URL
 *   is reused for the following ranges; a 403 from it (expired) goes back to the original URL for a fresh one.
 * - Resume is exact: the checkpoint holds the hasher state at the prefix and the ranges written (and flushed) beyond
 *   it; a resume downloads only the gaps and hashes the saved ranges from the file.
 */
import type { IHasher } from 'hash-wasm'
import { AppError, toAppError } from '../shared/errors'
import { httpError, isRetriable, quotaOr, sleep, wrongSize } from './download-http'
import { PrefixHasher, type Interval } from './prefix-hasher'
import { isGgufMagic } from '../models/gguf'
import type { HashCheckpoint } from '../models/manifest'

/** A file opened for writing and reading at any offset, already sized to the whole download. */
export interface RandomAccessFile {
  /** Writes all of `bytes` at byte `at`. @throws QuotaExceededError (or AppError 'storage_quota') when the disk is full */
  writeAt(bytes: Uint8Array, at: number): void
  /** Fills `into` from byte `at`; returns the bytes read. */
  readAt(into: Uint8Array, at: number): number
  /** Makes everything written durable. */
  flush(): void
  /** Flushes and releases the file. */
  close(): void
}

/** What {@link fetchParallel} needs from the download's storage (a subset of `DownloadStorage`). */
export interface RandomAccessStorage {
  openRandomAccess(fileName: string, sizeBytes: number): Promise<RandomAccessFile | undefined>
  getCheckpoint(fileName: string): Promise<HashCheckpoint | undefined>
  putCheckpoint(fileName: string, checkpoint: HashCheckpoint): Promise<void>
}

export interface ParallelTarget { url: string, fileName: string, sizeBytes: number }

export interface ParallelOptions {
  signal?: AbortSignal
  /** Bytes of the file on disk (prefix and ranges), after each chunk. */
  onBytes?: (loadedBytes: number) => void
  /** Retries of one range after a dropped connection or a 5xx. @default 3 */
  retries?: number
  /** Wait before a range's first retry, doubled after each; ms. @default 500 */
  retryDelayMs?: number
  /** Most connections at once. @default MAX_CONNECTIONS */
  maxConnections?: number
  /** Bytes per range request. @default SEGMENT_BYTES */
  segmentBytes?: number
  /** Connections to start with. @default INITIAL_CONNECTIONS */
  initialConnections?: number
}

/** Files from this size on are downloaded over several connections. */
export const PARALLEL_FROM_BYTES = 16 * 2 ** 20
/** One range request: small enough to spread over connections, big enough that a request's round trip is noise. */
export const SEGMENT_BYTES = 8 * 2 ** 20
export const INITIAL_CONNECTIONS = 1
/** Chromium's limit of HTTP/1.1 connections per host; HTTP/2 (the Hub's CDN) multiplexes them on one. */
export const MAX_CONNECTIONS = 6
/** Another connection is kept opening while the last one raised the throughput by this fraction. */
export const GROWTH_GAIN = 0.15
const CHECKPOINT_MS = 2000
const THROUGHPUT_WINDOW_MS = 1000
/** A CDN URL that answers 403 is resolved again at most this many times per range. */
const MAX_RESOLVES = 3

/** The parts of `[0, size)` not covered by `done`, cut into ranges of at most {@link SEGMENT_BYTES}. */
export function missingRanges(done: Interval[], size: number, segmentBytes = SEGMENT_BYTES): Interval[] {
  const out: Interval[] = []
  let at = 0
  for (const [s, e] of [...done, [size, size] as Interval]) {
    for (let p = at; p < Math.min(s, size); p += segmentBytes)
      out.push([p, Math.min(p + segmentBytes, s)])
    at = Math.max(at, e)
  }
  return out
}

/**
 * Downloads `target` over parallel ranged connections into `storage`, continuing `hasher` from `hashedBytes` (the
 * prefix it already covers, with its checkpoint's `ranges` on disk beyond). Returns the SHA-256 hex of the whole file,
 * or undefined when parallel download is not possible (no random-access storage, or a server that ignores Range):
 * the caller downloads in one stream instead.
 * @throws AppError 'aborted' | 'download_failed' | 'storage_quota' | 'integrity_failed' | 'invalid_model_file' | 'model_not_found'
 */
export async function fetchParallel(target: ParallelTarget, hasher: IHasher, hashedBytes: number, storage: RandomAccessStorage, opts: ParallelOptions = {}): Promise<string | undefined> {
  const size = target.sizeBytes
  const saved = await storage.getCheckpoint(target.fileName)
  const file = await storage.openRandomAccess(target.fileName, size).catch((err: unknown) => { throw quotaOr(err) })
  if (!file)
    return undefined
  const prefix = new PrefixHasher(hasher, file, target.fileName, size, hashedBytes, saved)
  const queue = missingRanges(prefix.written, size, opts.segmentBytes)
  const stop = new AbortController()
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal
  let cdnUrl: string | undefined

  let checkpointAt = performance.now()
  let checkpointing: Promise<void> | undefined
  /** The state now (prefix hash, ranges beyond), made durable, then saved: a crash resumes from it exactly. */
  async function checkpoint(): Promise<void> {
    const snapshot = prefix.checkpoint()
    file!.flush()
    await storage.putCheckpoint(target.fileName, snapshot)
  }
  function maybeCheckpoint(): void {
    if (checkpointing || performance.now() - checkpointAt < CHECKPOINT_MS)
      return
    checkpointAt = performance.now()
    checkpointing = checkpoint().catch(err => console.warn('Could not checkpoint the download', err)).finally(() => { checkpointing = undefined })
  }

  // Throughput, to decide whether one more connection helps.
  let windowStart = performance.now()
  let windowBytes = 0
  let rateBefore = 0
  let limit = Math.min(opts.initialConnections ?? INITIAL_CONNECTIONS, opts.maxConnections ?? MAX_CONNECTIONS)
  let running = 0
  let rangesIgnored = false
  let finished = false

  async function fetchRange(range: Interval): Promise<void> {
    const end = range[1]
    let at = range[0]
    let resolves = 0
    for (let attempt = 0; at < end;) {
      try {
        const url = cdnUrl ?? target.url
        const res = await fetch(url, { signal, cache: 'no-store', headers: { Range: `bytes=${at}-${end - 1}` } })
        if (res.status === 403 && cdnUrl && resolves < MAX_RESOLVES) {
          // The signed CDN URL expired (or was revoked): ask the original URL for a new one.
          await res.body?.cancel()
          cdnUrl = undefined
          resolves++
          continue
        }
        if (res.status === 200 && res.body) {
          await res.body.cancel()
          rangesIgnored = true
          throw new AppError('aborted')
        }
        if (res.status === 416)
          throw wrongSize(target, at)
        if (res.status !== 206 || !res.body)
          throw httpError(res.status, target)
        const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1])
        if (total && total !== size)
          throw wrongSize(target, total)
        if (res.redirected)
          cdnUrl = res.url
        const reader = res.body.getReader()
        for (;;) {
          const { done, value } = await reader.read()
          if (done)
            break
          if (at + value.byteLength > end)
            throw wrongSize(target, at + value.byteLength)
          if (at === 0 && value.byteLength >= 4 && !isGgufMagic(value))
            throw new AppError('invalid_model_file', 'This file is not a GGUF model: it does not start with "GGUF".')
          try {
            file!.writeAt(value, at)
          }
          catch (err) {
            throw quotaOr(err)
          }
          prefix.landed(value, at)
          at += value.byteLength
          windowBytes += value.byteLength
          opts.onBytes?.(prefix.onDisk())
          maybeCheckpoint()
          adapt()
        }
        if (at < end)
          throw new TypeError(`The connection closed after ${at} of ${end} bytes.`)
      }
      catch (err) {
        if (signal.aborted)
          throw new AppError('aborted')
        if (!isRetriable(err) || attempt >= (opts.retries ?? 3))
          throw err
        await sleep((opts.retryDelayMs ?? 500) * 2 ** attempt++, signal)
      }
    }
  }

  const failures: unknown[] = []
  /** Every connection started, in order; more are added while the first ones run (see `adapt`). */
  const runners: Array<Promise<void>> = []
  async function runner(): Promise<void> {
    running++
    try {
      for (let range = queue.shift(); range; range = queue.shift())
        await fetchRange(range)
    }
    catch (err) {
      failures.push(err)
      stop.abort()
    }
    finally {
      running--
    }
  }
  const spawn = () => void runners.push(runner())

  function adapt(): void {
    const now = performance.now()
    if (now - windowStart < THROUGHPUT_WINDOW_MS)
      return
    const rate = windowBytes / (now - windowStart)
    windowStart = now
    windowBytes = 0
    if (running >= limit && limit < (opts.maxConnections ?? MAX_CONNECTIONS) && queue.length && rate > rateBefore * (1 + GROWTH_GAIN)) {
      rateBefore = rate
      limit++
      spawn()
    }
  }

  try {
    opts.onBytes?.(prefix.onDisk())
    prefix.catchUp()
    for (let i = 0; i < limit && queue.length; i++)
      spawn()
    // `runners` may grow while the first ones run: wait for each, including those added meanwhile.
    for (let i = 0; i < runners.length; i++)
      await runners[i]
    if (rangesIgnored && !failures.some(e => !(e instanceof AppError && e.code === 'aborted')))
      return undefined
    if (failures.length) {
      const first = failures.find(e => !(e instanceof AppError && e.code === 'aborted')) ?? failures[0]
      throw opts.signal?.aborted ? new AppError('aborted') : toAppError(first, 'download_failed')
    }
    prefix.catchUp()
    if (prefix.hashedBytes !== size)
      throw wrongSize(target, prefix.onDisk())
    file.flush()
    finished = true
    return prefix.digest()
  }
  finally {
    await checkpointing
    try {
      if (!finished)
        await checkpoint()
    }
    catch (err) {
      console.warn('Could not checkpoint the partial download', err)
    }
    file.close()
  }
}
