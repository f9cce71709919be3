#!/usr/bin/env node
/**
 * Writes benchmark GGUF models: a real model's shape (by default the 135M chat shape: llama, 30 layers, 576 embedding,
 * 9 heads, 3 KV heads, 1536 FFN) with seeded random weights in Q8_0 or Q4_0, and the tokenizer copied byte for byte
 * from `llama-2-tiny-random.gguf`. Speed depends on shape and quantization, not on the weights' values.
 *
 *   node scripts/make-bench-models.mjs [--out DIR] [--tokenizer FILE]   -> DIR/bench-135m-{q8_0,q4_0,q4_1,q4_k_m}.gguf
 *
 * Plain Node (no TypeScript runner needed, no dependencies), so `npm run bench` runs it from a clean clone.
 * Deterministic: the same options always give the same bytes. A file already in the cache with the same options is
 * kept (a sidecar `.json` records them).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const DEFAULT_CACHE_DIR = resolve('bench/.cache/models')
export const DEFAULT_TOKENIZER = ['../shared/models/llama-2-tiny-random.gguf', '/work/shared/models/llama-2-tiny-random.gguf']
  .map(p => resolve(p)).find(p => existsSync(p)) ?? resolve('../shared/models/llama-2-tiny-random.gguf')

/** The 135M-parameter chat shape (SmolLM-135M's: embedding tied to the output). */
export const SHAPE_135M = { layers: 30, embd: 576, heads: 9, kvHeads: 3, ffn: 1536 }

const GGUF = { U32: 4, F32: 6, STRING: 8, ARRAY: 9, U64: 10 }
/**
 * ggml tensor types and their block layouts (ggml-common.h): weights per block, bytes per block, and the f16 fields at
 * the block's start (`scale` for the first, `min` for a second one that holds a negative minimum, as Q4_1 and Q4_K do).
 */
export const BLOCKS = {
  q8_0: { ggmlType: 8, blockWeights: 32, blockBytes: 34, scale: 0.02 / 64 },
  q4_0: { ggmlType: 2, blockWeights: 32, blockBytes: 18, scale: 0.02 / 4 },
  q4_1: { ggmlType: 3, blockWeights: 32, blockBytes: 20, scale: 0.02 / 4, min: 0.02 * 2 },
  q5_0: { ggmlType: 6, blockWeights: 32, blockBytes: 22, scale: 0.02 / 8 },
  // d, dmin, 12 bytes of 6-bit sub-block scales and mins, 128 bytes of nibbles: 256 weights.
  q4_k: { ggmlType: 12, blockWeights: 256, blockBytes: 144, scale: 0.02 / 128, min: 0.02 / 16 },
}

/**
 * The quantizations the bench writes: `fileType` (llama_ftype) and the block type of each quantized tensor. Q4_K_M is
 * what llama-quantize writes for this shape: K-quants need rows that are a multiple of 256 weights, which only
 * `ffn_down` (1,536 per row) has in a 576-wide model, so every other matrix falls back to Q5_0 (llama-quant.cpp's
 * fallback for Q4_K), as in the Hub's SmolLM2-135M Q4_K_M files.
 */
export const QUANTS = {
  q8_0: { fileType: 7, block: () => BLOCKS.q8_0 },
  q4_0: { fileType: 2, block: () => BLOCKS.q4_0 },
  q4_1: { fileType: 3, block: () => BLOCKS.q4_1 },
  q4_k_m: { fileType: 15, block: t => (t.dims[0] % 256 === 0 ? BLOCKS.q4_k : BLOCKS.q5_0) },
}
const F32_TYPE = 0
const ALIGNMENT = 32
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }

/**
 * The raw bytes of every `tokenizer.*` key/value pair of a GGUF file, to copy into another file unchanged.
 * @returns {{ entries: Buffer[], vocabSize: number }}
 */
export function readTokenizer(file) {
  const buf = readFileSync(file)
  if (buf.toString('latin1', 0, 4) !== 'GGUF')
    throw new Error(`${file} is not a GGUF file`)
  let pos = 24
  const u32 = () => { const v = buf.readUInt32LE(pos); pos += 4; return v }
  const u64 = () => { const v = Number(buf.readBigUInt64LE(pos)); pos += 8; return v }
  const str = () => { const n = u64(); const s = buf.toString('utf8', pos, pos + n); pos += n; return s }
  const skip = (type) => {
    if (type === GGUF.STRING)
      return void str()
    if (type === GGUF.ARRAY) {
      const inner = u32()
      const n = u64()
      for (let i = 0; i < n; i++) skip(inner)
      return
    }
    const size = SCALAR_BYTES[type]
    if (size === undefined)
      throw new Error(`unknown GGUF value type ${type} at byte ${pos}`)
    pos += size
  }
  const kvCount = Number(buf.readBigUInt64LE(16))
  const entries = []
  let vocabSize = 0
  for (let i = 0; i < kvCount; i++) {
    const start = pos
    const key = str()
    const type = u32()
    if (key === 'tokenizer.ggml.tokens')
      vocabSize = Number(buf.readBigUInt64LE(pos + 4))
    skip(type)
    if (key.startsWith('tokenizer.'))
      entries.push(buf.subarray(start, pos))
  }
  if (!vocabSize)
    throw new Error(`${file} has no tokenizer.ggml.tokens`)
  return { entries, vocabSize }
}

// --- little GGUF writer -----------------------------------------------------------------------------------------
const strBytes = (s) => { const b = Buffer.from(s, 'utf8'); const n = Buffer.alloc(8); n.writeBigUInt64LE(BigInt(b.length)); return Buffer.concat([n, b]) }
const u32Bytes = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b }
const u64Bytes = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b }
const f32Bytes = (v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return b }
const kv = (key, type, value) => Buffer.concat([strBytes(key), u32Bytes(type), value])

/** The tensors of a llama model of `shape`: names, ggml dims (fastest first), and whether they are quantized. */
export function llamaTensors(shape, vocabSize) {
  const { layers, embd, heads, kvHeads, ffn } = shape
  const kvDim = (embd / heads) * kvHeads
  const list = [{ name: 'token_embd.weight', dims: [embd, vocabSize], quant: true }, { name: 'output_norm.weight', dims: [embd], quant: false }]
  for (let i = 0; i < layers; i++) {
    const b = `blk.${i}.`
    list.push(
      { name: `${b}attn_norm.weight`, dims: [embd], quant: false },
      { name: `${b}attn_q.weight`, dims: [embd, embd], quant: true },
      { name: `${b}attn_k.weight`, dims: [embd, kvDim], quant: true },
      { name: `${b}attn_v.weight`, dims: [embd, kvDim], quant: true },
      { name: `${b}attn_output.weight`, dims: [embd, embd], quant: true },
      { name: `${b}ffn_norm.weight`, dims: [embd], quant: false },
      { name: `${b}ffn_gate.weight`, dims: [embd, ffn], quant: true },
      { name: `${b}ffn_up.weight`, dims: [embd, ffn], quant: true },
      { name: `${b}ffn_down.weight`, dims: [ffn, embd], quant: true },
    )
  }
  return list
}

function tensorBytes(t, q) {
  const n = t.dims.reduce((a, b) => a * b, 1)
  if (!t.quant)
    return n * 4
  const b = q.block(t)
  return (n / b.blockWeights) * b.blockBytes
}

/** IEEE half-precision bits of a positive normal float (enough for quantization scales). */
function f16Bits(x) {
  const f = new Float32Array([x])
  const u = new Uint32Array(f.buffer)[0]
  const exp = ((u >>> 23) & 0xFF) - 127 + 15
  return (exp << 10) | ((u >>> 13) & 0x3FF)
}

/** xorshift32 seeded from the model seed and the tensor name: every tensor's bytes are reproducible on their own. */
function rng(seed, name) {
  let s = (seed ^ 0x9E3779B9) >>> 0
  for (const c of name) s = Math.imul(s ^ c.charCodeAt(0), 0x01000193) >>> 0
  s ||= 1
  return () => {
    s ^= s << 13; s >>>= 0
    s ^= s >>> 17
    s ^= s << 5; s >>>= 0
    return s
  }
}

function tensorData(t, q, seed) {
  const size = tensorBytes(t, q)
  if (!t.quant)
    return Buffer.from(new Float32Array(size / 4).fill(1).buffer) // norms: 1.0, as a freshly initialized model
  const next = rng(seed, t.name)
  const words = new Uint32Array(Math.ceil(size / 4))
  for (let i = 0; i < words.length; i++) words[i] = next()
  const buf = Buffer.from(words.buffer, 0, size)
  // Each block starts with its f16 scale: jittered around `b.scale` so weights have a std of about 0.02; a block with
  // a minimum (Q4_1, Q4_K) stores it next, negative, so the weights centre on 0.
  const b = q.block(t)
  const scales = [0.75, 0.9, 1, 1.1, 1.25].map(k => f16Bits(b.scale * k))
  for (let off = 0, i = 0; off < size; off += b.blockBytes, i++) {
    buf.writeUInt16LE(scales[words[i % words.length] % scales.length], off)
    if (b.min)
      buf.writeUInt16LE(0x8000 | f16Bits(b.min), off + 2)
  }
  return buf
}

/**
 * Writes one benchmark model. Options: `out` (file path), `quant` (a key of {@link QUANTS}), `shape` (default 135M),
 * `seed` (default 135), `tokenizer` (GGUF to copy `tokenizer.*` from), `contextLength` (default 2048).
 * @returns {{ path: string, bytes: number, tensors: number, parameters: number }}
 */
export function writeBenchModel(opts) {
  const q = QUANTS[opts.quant]
  if (!q)
    throw new Error(`quant must be one of ${Object.keys(QUANTS).join(', ')}`)
  const shape = opts.shape ?? SHAPE_135M
  const seed = opts.seed ?? 135
  const { entries, vocabSize } = readTokenizer(opts.tokenizer ?? DEFAULT_TOKENIZER)
  const tensors = llamaTensors(shape, vocabSize)
  const arch = 'llama'
  const meta = [
    kv('general.architecture', GGUF.STRING, strBytes(arch)),
    kv('general.name', GGUF.STRING, strBytes(`bench-${shape.layers}L-${shape.embd}-${opts.quant}`)),
    kv('general.file_type', GGUF.U32, u32Bytes(q.fileType)),
    kv('general.alignment', GGUF.U32, u32Bytes(ALIGNMENT)),
    kv(`${arch}.vocab_size`, GGUF.U32, u32Bytes(vocabSize)),
    kv(`${arch}.context_length`, GGUF.U32, u32Bytes(opts.contextLength ?? 2048)),
    kv(`${arch}.embedding_length`, GGUF.U32, u32Bytes(shape.embd)),
    kv(`${arch}.block_count`, GGUF.U32, u32Bytes(shape.layers)),
    kv(`${arch}.feed_forward_length`, GGUF.U32, u32Bytes(shape.ffn)),
    kv(`${arch}.attention.head_count`, GGUF.U32, u32Bytes(shape.heads)),
    kv(`${arch}.attention.head_count_kv`, GGUF.U32, u32Bytes(shape.kvHeads)),
    kv(`${arch}.rope.dimension_count`, GGUF.U32, u32Bytes(shape.embd / shape.heads)),
    kv(`${arch}.rope.freq_base`, GGUF.F32, f32Bytes(10000)),
    kv(`${arch}.attention.layer_norm_rms_epsilon`, GGUF.F32, f32Bytes(1e-5)),
    ...entries,
  ]
  let offset = 0
  const infos = tensors.map((t) => {
    const info = Buffer.concat([strBytes(t.name), u32Bytes(t.dims.length), ...t.dims.map(u64Bytes), u32Bytes(t.quant ? q.block(t).ggmlType : F32_TYPE), u64Bytes(offset)])
    offset += Math.ceil(tensorBytes(t, q) / ALIGNMENT) * ALIGNMENT
    return info
  })
  const header = Buffer.concat([Buffer.from('GGUF'), u32Bytes(3), u64Bytes(tensors.length), u64Bytes(meta.length), ...meta, ...infos])
  const padded = Buffer.concat([header, Buffer.alloc((ALIGNMENT - (header.length % ALIGNMENT)) % ALIGNMENT)])
  const tmp = `${opts.out}.part`
  const fd = openSync(tmp, 'w')
  let bytes = 0
  let parameters = 0
  try {
    bytes += writeSync(fd, padded)
    for (const t of tensors) {
      const data = tensorData(t, q, seed)
      bytes += writeSync(fd, data)
      const pad = (ALIGNMENT - (data.length % ALIGNMENT)) % ALIGNMENT
      if (pad)
        bytes += writeSync(fd, Buffer.alloc(pad))
      parameters += t.dims.reduce((a, b) => a * b, 1)
    }
  }
  finally {
    closeSync(fd)
  }
  renameSync(tmp, opts.out)
  return { path: opts.out, bytes, tensors: tensors.length, parameters }
}

/** Writes the 135M model in every quantization of {@link QUANTS} into `dir` unless an identical one is cached. Returns their paths. */
export function ensureBenchModels(dir = DEFAULT_CACHE_DIR, tokenizer = DEFAULT_TOKENIZER) {
  mkdirSync(dir, { recursive: true })
  const out = {}
  for (const quant of Object.keys(QUANTS)) {
    const path = join(dir, `bench-135m-${quant}.gguf`)
    const stamp = JSON.stringify({ v: 1, quant, shape: SHAPE_135M, seed: 135, tokenizer: readFileSync(tokenizer).length })
    if (!existsSync(path) || !existsSync(`${path}.json`) || readFileSync(`${path}.json`, 'utf8') !== stamp) {
      const r = writeBenchModel({ out: path, quant, tokenizer })
      writeFileSync(`${path}.json`, stamp)
      console.log(`wrote ${path}: ${(r.bytes / 2 ** 20).toFixed(1)} MiB, ${(r.parameters / 1e6).toFixed(1)}M parameters`)
    }
    out[quant] = path
  }
  return out
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined }
  const paths = ensureBenchModels(resolve(arg('--out') ?? DEFAULT_CACHE_DIR), resolve(arg('--tokenizer') ?? DEFAULT_TOKENIZER))
  console.log(JSON.stringify(paths))
}
