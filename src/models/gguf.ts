/**
 * Reads and checks the header of a GGUF model file (v2/v3, little-endian) without reading its tensor data. Runs on
 * the main thread, in a worker and in Node: all I/O goes through a {@link ByteSource}.
 *
 *   "GGUF" | u32 version | u64 tensor count | u64 kv count | kv pairs | tensor infos | padding | tensor data ...
 *                                                           ^ read in growing chunks (16 KiB up to 1 MiB)
 */
import { AppError } from '../shared/errors'
import { Cursor, invalid, SCALAR_BYTES } from './gguf-cursor'
import {
  GGML_TYPES, GGUF_VALUE_TYPES, LLAMA_FILE_TYPES,
  type ByteSource, type GgufCheck, type GgufHeader, type GgufValue, type GgufValueTypeName, type ModelSummary, type TensorInfo,
} from './gguf-types'

export type {
  ByteSource, GgmlTypeInfo, GgufArraySummary, GgufCheck, GgufHeader, GgufValue, GgufValueTypeName, ModelSummary, TensorInfo,
} from './gguf-types'
export { GGML_TYPES, GGUF_VALUE_TYPES, LLAMA_FILE_TYPES } from './gguf-types'

/** The four ASCII bytes every GGUF file starts with. */
export const GGUF_MAGIC = 'GGUF'

const MAGIC_BYTES = [0x47, 0x47, 0x55, 0x46]
const DEFAULT_ALIGNMENT = 32
/** Arrays longer than this are summarized, not kept (tokenizer vocabularies have 32k-256k entries). */
const MAX_KEPT_ARRAY_LENGTH = 64
// Sanity limits far above any real model; a count beyond them means a corrupt header, not a truncated one.
const MAX_STRING_BYTES = 64 * 1024 * 1024
const MAX_ARRAY_LENGTH = 2 ** 28
const MAX_KV_COUNT = 2 ** 16
const MAX_TENSOR_COUNT = 2 ** 20
const MAX_ARRAY_DEPTH = 4
const MAX_DIMS = 4

type FormatErrorCode = 'invalid_model_file' | 'truncated_model_file'

/** True when `bytes` starts with `GGUF`: a quick check on the first chunk of a download. */
export function isGgufMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC_BYTES.every((b, i) => bytes[i] === b)
}

/** A browser `Blob` or `File` (e.g. from OPFS) as a {@link ByteSource}; reads only the slices asked for. */
export function blobSource(blob: Blob): ByteSource {
  return {
    sizeBytes: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  }
}

/** E.g. `"<!DOCTYP" (bytes 3c 21 44 4f)`: the printable start of the file, and its first four bytes. */
function describeStart(head: Uint8Array): string {
  const textLength = head.findIndex(b => b < 0x20 || b >= 0x7F)
  const text = String.fromCharCode(...head.subarray(0, textLength < 0 ? head.length : textLength))
  const hex = Array.from(head.subarray(0, 4), b => b.toString(16).padStart(2, '0')).join(' ')
  return text ? `${JSON.stringify(text)} (bytes ${hex})` : `bytes ${hex}`
}

async function readPreamble(cur: Cursor, sizeBytes: number): Promise<number> {
  if (sizeBytes === 0)
    throw new AppError('truncated_model_file', 'The model file is empty (0 bytes). Delete it and download it again.')
  const headBytes = Math.min(sizeBytes, 8)
  await cur.need(headBytes, 'the GGUF magic')
  const head = cur.peek(headBytes)
  if (!MAGIC_BYTES.slice(0, head.length).every((b, i) => head[i] === b))
    throw invalid(`This file is not a GGUF model (it starts with ${describeStart(head)}, not "GGUF").`)
  await cur.need(8, 'the GGUF version')
  cur.skip(4, 'the GGUF magic')
  const version = cur.u32()
  const swapped = ((version & 0xFF) << 24 | (version & 0xFF00) << 8 | (version >>> 8 & 0xFF00) | version >>> 24) >>> 0
  if (version === 2 || version === 3)
    return version
  if (swapped === 2 || swapped === 3)
    throw invalid('This GGUF file is big-endian; this app reads only little-endian GGUF files.')
  throw invalid(`This GGUF file has format version ${version}; this app reads versions 2 and 3. `
    + 'Convert the model again with a recent llama.cpp.')
}

async function readString(cur: Cursor, what: string): Promise<string> {
  await cur.need(8, what)
  const length = cur.u64(MAX_STRING_BYTES, `the length of ${what}`)
  await cur.need(length, what)
  return cur.text(length)
}

async function readType(cur: Cursor, what: string): Promise<GgufValueTypeName> {
  await cur.need(4, what)
  const tag = cur.u32()
  const type = GGUF_VALUE_TYPES[tag]
  if (type === undefined)
    throw invalid(`The GGUF header is corrupt: ${what} has unknown value type ${tag} (at byte ${cur.offset - 4}).`)
  return type
}

async function readValue(cur: Cursor, type: GgufValueTypeName, key: string, depth: number): Promise<GgufValue> {
  if (type === 'string')
    return readString(cur, key)
  if (type === 'array')
    return readArray(cur, key, depth)
  await cur.need(SCALAR_BYTES[type] ?? 0, key)
  return cur.scalar(type)
}

async function readArray(cur: Cursor, key: string, depth: number): Promise<GgufValue> {
  if (depth >= MAX_ARRAY_DEPTH)
    throw invalid(`The GGUF header is corrupt: ${key} nests arrays more than ${MAX_ARRAY_DEPTH} deep.`)
  const elementType = await readType(cur, `the elements of ${key}`)
  await cur.need(8, key)
  const length = cur.u64(MAX_ARRAY_LENGTH, `the length of ${key}`)
  if (length <= MAX_KEPT_ARRAY_LENGTH) {
    const items: GgufValue[] = []
    for (let i = 0; i < length; i++)
      items.push(await readValue(cur, elementType, key, depth + 1))
    return items
  }
  const elementBytes = SCALAR_BYTES[elementType]
  if (elementBytes !== undefined)
    cur.skip(elementBytes * length, key)
  for (let i = 0; elementBytes === undefined && i < length; i++)
    await skipValue(cur, elementType, key, depth + 1)
  return { type: 'array', elementType, length }
}

/** Walks past one string or array value without keeping it (so 32k vocabulary strings cost no memory). */
async function skipValue(cur: Cursor, type: GgufValueTypeName, key: string, depth: number): Promise<void> {
  if (type === 'array') {
    await readArray(cur, key, depth)
    return
  }
  await cur.need(8, key)
  cur.skip(cur.u64(MAX_STRING_BYTES, `the length of a string in ${key}`), key)
}

async function readMetadata(cur: Cursor, count: number): Promise<Record<string, GgufValue>> {
  // No prototype, so a key like `__proto__` is plain data.
  const metadata = Object.create(null) as Record<string, GgufValue>
  for (let i = 0; i < count; i++) {
    const key = await readString(cur, `metadata key ${i + 1} of ${count}`)
    if (Object.hasOwn(metadata, key))
      throw invalid(`The GGUF header is corrupt: the metadata key "${key}" appears twice.`)
    metadata[key] = await readValue(cur, await readType(cur, key), key, 0)
  }
  return metadata
}

function alignmentOf(metadata: Record<string, GgufValue>): number {
  const value = metadata['general.alignment']
  if (value === undefined)
    return DEFAULT_ALIGNMENT
  if (typeof value !== 'number' || value <= 0 || !Number.isInteger(value) || (value & (value - 1)) !== 0)
    throw invalid(`The GGUF header is corrupt: general.alignment is ${String(value)}, not a power of two.`)
  return value
}

async function readTensorInfo(cur: Cursor, alignment: number): Promise<TensorInfo> {
  const name = await readString(cur, 'a tensor name')
  await cur.need(4, name)
  const nDims = cur.u32()
  if (nDims > MAX_DIMS)
    throw invalid(`The GGUF header is corrupt: tensor ${name} has ${nDims} dimensions (at most ${MAX_DIMS}).`)
  await cur.need(8 * nDims + 12, name)
  const dims = Array.from({ length: nDims }, () => cur.u64(Number.MAX_SAFE_INTEGER, `a dimension of ${name}`))
  const ggmlType = cur.u32()
  const offset = cur.u64(Number.MAX_SAFE_INTEGER, `the offset of ${name}`)
  const info = GGML_TYPES.get(ggmlType)
  if (!info)
    throw invalid(`Tensor ${name} uses ggml type ${ggmlType}, which this app does not know. Is the file from a newer llama.cpp?`)
  const elementCount = dims.reduce((a, b) => a * b, 1)
  if (!Number.isSafeInteger(elementCount) || (dims[0] ?? 1) % info.blockSize !== 0)
    throw invalid(`The GGUF header is corrupt: tensor ${name} has dimensions [${dims.join(', ')}], invalid for ${info.name}.`)
  if (offset % alignment !== 0)
    throw invalid(`The GGUF header is corrupt: tensor ${name} starts at offset ${offset}, not a multiple of ${alignment}.`)
  const sizeBytes = (elementCount / info.blockSize) * info.bytesPerBlock
  return { name, dims, ggmlType, typeName: info.name, offset, sizeBytes, elementCount }
}

/**
 * Parses a GGUF header, reading only the header bytes.
 * @throws AppError 'invalid_model_file' | 'truncated_model_file' for a bad file; the source's own error if a read fails
 */
export async function readGgufHeader(src: ByteSource): Promise<GgufHeader> {
  const cur = new Cursor(src)
  const version = await readPreamble(cur, src.sizeBytes)
  await cur.need(16, 'the tensor and metadata counts')
  const tensorCount = cur.u64(MAX_TENSOR_COUNT, 'the tensor count')
  const metadata = await readMetadata(cur, cur.u64(MAX_KV_COUNT, 'the metadata count'))
  const alignment = alignmentOf(metadata)
  const tensors: TensorInfo[] = []
  const names = new Set<string>()
  for (let i = 0; i < tensorCount; i++) {
    const tensor = await readTensorInfo(cur, alignment)
    if (names.has(tensor.name))
      throw invalid(`The GGUF header is corrupt: tensor ${tensor.name} appears twice.`)
    names.add(tensor.name)
    tensors.push(tensor)
  }
  const dataOffset = Math.ceil(cur.offset / alignment) * alignment
  // A vocabulary-only file has no tensors and may end right after its header, without padding.
  const dataEndBytes = tensors.reduce((end, t) => Math.max(end, dataOffset + t.offset + t.sizeBytes), cur.offset)
  return { version, tensorCount, metadata, tensors, alignment, dataOffset, dataEndBytes }
}

function summarize(header: GgufHeader): ModelSummary {
  const meta = header.metadata
  const architecture = meta['general.architecture']
  if (typeof architecture !== 'string')
    throw invalid('This GGUF file has no general.architecture, so llama.cpp cannot load it.')
  const num = (key: string) => {
    const value = meta[`${architecture}.${key}`]
    return typeof value === 'number' ? value : undefined
  }
  const tokens = meta['tokenizer.ggml.tokens']
  const vocabSize = Array.isArray(tokens) ? tokens.length : typeof tokens === 'object' ? tokens.length : num('vocab_size')
  const chatTemplate = meta['tokenizer.chat_template']
  const name = meta['general.name']
  const fileType = meta['general.file_type']
  return {
    architecture,
    name: typeof name === 'string' ? name : undefined,
    contextLength: num('context_length'),
    embeddingLength: num('embedding_length'),
    blockCount: num('block_count'),
    headCount: num('attention.head_count'),
    headCountKv: num('attention.head_count_kv'),
    feedForwardLength: num('feed_forward_length'),
    vocabSize,
    hasChatTemplate: typeof chatTemplate === 'string',
    chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined,
    fileType: typeof fileType === 'number' ? LLAMA_FILE_TYPES.get(fileType) ?? `ftype ${fileType}` : undefined,
    parameterCount: header.tensors.reduce((sum, t) => sum + t.elementCount, 0),
  }
}

function isFormatError(err: unknown): err is AppError & { code: FormatErrorCode } {
  return err instanceof AppError && (err.code === 'invalid_model_file' || err.code === 'truncated_model_file')
}

/**
 * Checks that a file is a complete GGUF model: a bad or incomplete file is a returned result, never an exception.
 * @throws only what the source throws when a read fails (e.g. the file was deleted meanwhile)
 */
export async function validateGguf(src: ByteSource): Promise<GgufCheck> {
  try {
    const header = await readGgufHeader(src)
    if (src.sizeBytes < header.dataEndBytes) {
      return {
        ok: false, code: 'truncated_model_file', message: `The model file is incomplete: its header describes `
          + `${header.dataEndBytes} bytes, but the file has only ${src.sizeBytes}. Delete it and download it again.`,
      }
    }
    return { ok: true, header, summary: summarize(header) }
  }
  catch (err) {
    if (isFormatError(err))
      return { ok: false, code: err.code, message: err.message }
    throw err
  }
}
