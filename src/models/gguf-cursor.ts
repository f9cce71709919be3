/**
 * The byte-level half of the GGUF reader (`./gguf.ts`): a forward-only cursor over a {@link ByteSource} that keeps a
 * window of the file and grows it in chunks, from 16 KiB doubling up to 1 MiB, only when parsing needs more bytes.
 * Small first chunks keep tiny models' tensor data unread; big ones keep a 10 MB tokenizer to a handful of reads.
 */
import { AppError } from '../shared/errors'
import type { ByteSource, GgufValueTypeName } from './gguf-types'

const FIRST_CHUNK_BYTES = 16 * 1024
const MAX_CHUNK_BYTES = 1024 * 1024

/** Size of each scalar value type, in bytes; strings and arrays have none. */
export const SCALAR_BYTES: Partial<Record<GgufValueTypeName, number>> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, bool: 1, uint64: 8, int64: 8, float64: 8,
}

/** A corrupt-header error. */
export function invalid(message: string): AppError {
  return new AppError('invalid_model_file', message)
}

/** A forward-only reader over a window of the file that grows in chunks as parsing needs more bytes. */
export class Cursor {
  /** Position of the next byte to parse, from the start of the file. */
  offset = 0
  private window = new Uint8Array(0)
  private view = new DataView(this.window.buffer)
  private windowStart = 0
  private chunkBytes = FIRST_CHUNK_BYTES
  private readonly decoder = new TextDecoder('utf-8')

  constructor(private readonly src: ByteSource) {}

  /** Makes the next `n` bytes available. @throws AppError 'truncated_model_file' past the end of the file */
  async need(n: number, what: string): Promise<void> {
    const end = this.offset + n
    if (end <= this.windowStart + this.window.length)
      return
    if (end > this.src.sizeBytes)
      throw this.truncated(end, what)
    const windowEnd = this.windowStart + this.window.length
    const readFrom = Math.max(windowEnd, this.offset)
    const kept = this.window.subarray(Math.min(this.offset - this.windowStart, this.window.length))
    const length = Math.min(Math.max(end - readFrom, this.chunkBytes), this.src.sizeBytes - readFrom)
    const fresh = await this.src.read(readFrom, length)
    if (fresh.length < end - readFrom)
      throw this.truncated(end, what)
    this.chunkBytes = Math.min(this.chunkBytes * 2, MAX_CHUNK_BYTES)
    const next = new Uint8Array(kept.length + fresh.length)
    next.set(kept)
    next.set(fresh, kept.length)
    this.window = next
    this.view = new DataView(next.buffer)
    this.windowStart = this.offset
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: number, what: string): void {
    if (this.offset + n > this.src.sizeBytes)
      throw this.truncated(this.offset + n, what)
    this.offset += n
  }

  /** The next `n` bytes, which {@link need} made available, without moving past them. */
  peek(n: number): Uint8Array {
    const at = this.offset - this.windowStart
    return this.window.subarray(at, at + n)
  }

  /** The next `n` bytes, which {@link need} made available. */
  bytes(n: number): Uint8Array {
    const at = this.offset - this.windowStart
    this.offset += n
    return this.window.subarray(at, at + n)
  }

  scalar(type: GgufValueTypeName): number | bigint | boolean {
    const at = this.offset - this.windowStart
    this.offset += SCALAR_BYTES[type] ?? 0
    const v = this.view
    switch (type) {
      case 'uint8': return v.getUint8(at)
      case 'int8': return v.getInt8(at)
      case 'uint16': return v.getUint16(at, true)
      case 'int16': return v.getInt16(at, true)
      case 'uint32': return v.getUint32(at, true)
      case 'int32': return v.getInt32(at, true)
      case 'float32': return v.getFloat32(at, true)
      case 'bool': return v.getUint8(at) !== 0
      case 'uint64': return safeNumber(v.getBigUint64(at, true))
      case 'int64': return safeNumber(v.getBigInt64(at, true))
      default: return v.getFloat64(at, true)
    }
  }

  /** A u64 count or size that must not exceed `max`. @throws AppError 'invalid_model_file' */
  u64(max: number, what: string): number {
    const value = this.view.getBigUint64(this.offset - this.windowStart, true)
    this.offset += 8
    if (value > BigInt(max))
      throw invalid(`The GGUF header is corrupt: ${what} is ${value}, beyond the limit of ${max} (at byte ${this.offset - 8}).`)
    return Number(value)
  }

  u32(): number {
    return this.scalar('uint32') as number
  }

  text(n: number): string {
    return this.decoder.decode(this.bytes(n))
  }

  private truncated(endBytes: number, what: string): AppError {
    return new AppError('truncated_model_file', `The model file is incomplete: reading ${what} needs at least `
      + `${endBytes} bytes, but the file has only ${this.src.sizeBytes}. Delete it and download it again.`)
  }
}

function safeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value
}
