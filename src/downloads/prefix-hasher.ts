/**
 * The SHA-256 of a file that arrives out of order (parallel-fetch.ts): the hash follows the contiguous prefix as it
 * grows, from the bytes in memory when a chunk lands right at the prefix's end, otherwise by reading back from the file
 * what other connections wrote ahead; so hashing goes on while later ranges still arrive, and nothing waits in memory.
 * Its state (hasher state at the prefix, ranges written beyond it) is the download's checkpoint, so a resume is exact.
 */
import type { IHasher } from 'hash-wasm'
import { AppError } from '../shared/errors'
import type { HashCheckpoint } from '../models/manifest'

/** `[start, end)` byte offsets. */
export type Interval = [number, number]

/** The hasher reads back what other connections wrote ahead in pieces of this size. */
export const READ_BACK_BYTES = 4 * 2 ** 20

/** Adds `[start, end)` to `list`, keeping it sorted and merged. */
function addInterval(list: Interval[], start: number, end: number): void {
  list.push([start, end])
  list.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < list.length;) {
    const prev = list[i - 1]!
    const cur = list[i]!
    if (cur[0] <= prev[1]) {
      prev[1] = Math.max(prev[1], cur[1])
      list.splice(i, 1)
    }
    else {
      i++
    }
  }
}

/** What is on disk of one download and the hash of its contiguous prefix. */
export class PrefixHasher {
  /** Byte ranges on disk, sorted and merged: the hashed prefix and the ranges written (and flushed) beyond it. */
  readonly written: Interval[]
  private hashed: number
  private readonly readBack: Uint8Array

  /**
   * @param hasher SHA-256 state covering the first `hashedBytes` of the file
   * @param file reads back what was written ahead of the prefix
   * @param saved the download's checkpoint: its `ranges` count as on disk when it was taken at `hashedBytes`
   */
  constructor(private readonly hasher: IHasher, private readonly file: { readAt(into: Uint8Array, at: number): number }, private readonly fileName: string, size: number, hashedBytes: number, saved?: HashCheckpoint) {
    this.hashed = hashedBytes
    this.written = hashedBytes > 0 ? [[0, hashedBytes]] : []
    for (const [s, e] of saved?.offsetBytes === hashedBytes && saved.ranges ? saved.ranges : []) {
      if (s >= hashedBytes && e <= size && s < e)
        addInterval(this.written, s, e)
    }
    this.readBack = new Uint8Array(Math.min(READ_BACK_BYTES, size))
  }

  /** Bytes from the start of the file that the hash covers. */
  get hashedBytes(): number {
    return this.hashed
  }

  /** Bytes of the file on disk (prefix and ranges). */
  onDisk(): number {
    return this.written.reduce((n, [s, e]) => n + e - s, 0)
  }

  /** `chunk` was written at byte `at`: hashes it when it continues the prefix, then whatever it joined up. */
  landed(chunk: Uint8Array, at: number): void {
    addInterval(this.written, at, at + chunk.byteLength)
    if (at === this.hashed) {
      this.hasher.update(chunk)
      this.hashed += chunk.byteLength
    }
    this.catchUp()
  }

  /**
   * Hashes whatever of the written bytes now continues the prefix, reading back from the file.
   * @throws AppError 'download_failed' when the file gives back nothing
   */
  catchUp(): void {
    const end = this.written[0]?.[0] === 0 ? this.written[0][1] : 0
    while (this.hashed < end) {
      const n = this.file.readAt(this.readBack.subarray(0, Math.min(this.readBack.length, end - this.hashed)), this.hashed)
      if (n <= 0)
        throw new AppError('download_failed', `${this.fileName}: the downloaded part could not be read back for its checksum.`)
      this.hasher.update(this.readBack.subarray(0, n))
      this.hashed += n
    }
  }

  /** The state now, to save once the file is flushed: prefix hash and the ranges beyond it. */
  checkpoint(): HashCheckpoint {
    const ranges = this.written.filter(([, e]) => e > this.hashed).map(([s, e]): Interval => [Math.max(s, this.hashed), e])
    return { offsetBytes: this.hashed, state: this.hasher.save(), preallocated: true, ranges }
  }

  /** The SHA-256 hex of what was hashed (the whole file once `hashedBytes` is its size). */
  digest(): string {
    return this.hasher.digest('hex')
  }
}
