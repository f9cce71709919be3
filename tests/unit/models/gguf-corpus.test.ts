/**
 * Issue 8 item 1: a corpus of malformed GGUF files generated here (wrong magic, version 1, truncated header, absurd
 * tensor/metadata counts, giant string lengths, wrong alignment, data shorter than the tensors need, ...) and random
 * byte mutations of stories260K.gguf. Each must get a clear error (or, for a mutation that only touched tensor data,
 * a valid header) in bounded time and memory: the reader may read only a bounded number of bytes, never one huge
 * slice, and the heap must not grow with the sizes the corrupt header claims. Prints the counts.
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { validateGguf, type ByteSource, type GgufCheck } from '../../../src/models/gguf'

const MODELS_DIR = process.env.MODELS_DIR ?? ['../shared/models', '/work/shared/models'].find(d => existsSync(`${d}/stories260K.gguf`)) ?? '/work/shared/models'
const stories = new Uint8Array(readFileSync(`${MODELS_DIR}/stories260K.gguf`))

/** Largest single read the reader may make, and most bytes it may read in total for one header, in bytes. */
const MAX_READ_BYTES = 2 * 2 ** 20
const MAX_TOTAL_READ_BYTES = 8 * 2 ** 20
const TIME_LIMIT_MS = 5_000

const enc = new TextEncoder()
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
  return out
}
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b }
const u64 = (n: number | bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n), true); return b }
const str = (s: string) => cat(u64(enc.encode(s).length), enc.encode(s))
const kvStr = (k: string, v: string) => cat(str(k), u32(8), str(v))
const kvU32 = (k: string, v: number) => cat(str(k), u32(4), u32(v))
const arch = kvStr('general.architecture', 'llama')
const tensor = (name: string, dims: number[], type: number, offset: number) => cat(str(name), u32(dims.length), ...dims.map(u64), u32(type), u64(offset))
const file = (version: number, tensors: Uint8Array[], kvs: Uint8Array[], data = 0, counts?: [bigint, bigint]) => {
  const head = cat(enc.encode('GGUF'), u32(version), u64(counts?.[0] ?? tensors.length), u64(counts?.[1] ?? kvs.length), ...kvs, ...tensors)
  return cat(head, new Uint8Array((32 - (head.length % 32)) % 32 + data))
}

/** The hand-made corpus: one entry per kind of damage the issue names, and a few more. */
function handMade(): Array<[string, Uint8Array]> {
  const cases: Array<[string, Uint8Array]> = [
    ['wrong magic', cat(enc.encode('GGML'), stories.subarray(4))],
    ['HTML error page', enc.encode('<!doctype html><title>429</title>'.repeat(20))],
    ['version 1', cat(stories.subarray(0, 4), u32(1), stories.subarray(8))],
    ['version 0xffffffff', cat(stories.subarray(0, 4), u32(0xFFFFFFFF), stories.subarray(8))],
    ['big-endian version', cat(stories.subarray(0, 4), Uint8Array.of(0, 0, 0, 3), stories.subarray(8))],
    ['absurd tensor count', file(3, [], [arch], 0, [2n ** 62n, 1n])],
    ['absurd metadata count', file(3, [], [arch], 0, [0n, 2n ** 40n])],
    ['tensor count beyond the tensors present', file(3, [tensor('w', [32], 0, 0)], [arch], 128, [1_000_000n, 1n])],
    ['giant key length', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), u64(2n ** 60n), enc.encode('x'))],
    ['giant string value length', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), str('general.architecture'), u32(8), u64(2n ** 40n), enc.encode('llama'))],
    ['giant array length', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(2n ** 50n))],
    ['string array claiming 2^27 strings', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(2 ** 27), str('a'))],
    ['unknown value type', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), str('k'), u32(77), u32(1))],
    ['arrays nested too deep', cat(enc.encode('GGUF'), u32(3), u64(0), u64(1), str('k'), u32(9), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1), u32(9), u64(1))],
    ['alignment 3', file(3, [tensor('w', [32], 0, 0)], [arch, kvU32('general.alignment', 3)], 128)],
    ['alignment 0', file(3, [tensor('w', [32], 0, 0)], [arch, kvU32('general.alignment', 0)], 128)],
    ['tensor offset not aligned', file(3, [tensor('w', [32], 0, 7)], [arch], 256)],
    ['data shorter than the tensors need', file(3, [tensor('w', [1024, 1024], 0, 0)], [arch], 1000)],
    ['too many dimensions', file(3, [tensor('w', [1, 1, 1, 1, 1, 1, 1, 1], 0, 0)], [arch], 64)],
    ['dimensions overflowing', file(3, [tensor('w', [2 ** 40, 2 ** 40], 0, 0)], [arch], 64)],
    ['unknown ggml type', file(3, [tensor('w', [32], 999, 0)], [arch], 128)],
    ['Q4_0 row not a multiple of its block', file(3, [tensor('w', [33], 2, 0)], [arch], 128)],
    ['duplicate tensor name', file(3, [tensor('w', [8], 0, 0), tensor('w', [8], 0, 32)], [arch], 128)],
    ['duplicate metadata key', file(3, [], [arch, arch])],
    ['no architecture', file(3, [tensor('w', [8], 0, 0)], [kvStr('general.name', 'x')], 64)],
    ['empty file', new Uint8Array(0)],
    ['magic only', enc.encode('GGUF')],
  ]
  for (const cut of [5, 11, 23, 40, 100, 1_000, 10_000])
    cases.push([`truncated header at ${cut} bytes`, stories.slice(0, cut)])
  return cases
}

/** Random byte mutations of stories260K: 1-8 bytes replaced, mostly in the header, some anywhere; some cut short. */
function mutations(count: number): Array<[string, Uint8Array]> {
  let seed = 2024
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
  const headerBytes = 20_000
  const cases: Array<[string, Uint8Array]> = []
  for (let i = 0; i < count; i++) {
    const bytes = Uint8Array.from(stories)
    const span = i % 4 === 0 ? stories.length : headerBytes
    const flips = 1 + Math.floor(random() * 8)
    for (let f = 0; f < flips; f++)
      bytes[Math.floor(random() * span)] = Math.floor(random() * 256)
    cases.push([`mutation ${i}`, i % 5 === 0 ? bytes.subarray(0, Math.floor(random() * stories.length)) : bytes])
  }
  return cases
}

/** An in-memory source that counts what the reader asks for. */
function budgetSource(bytes: Uint8Array) {
  const stats = { reads: 0, totalBytes: 0, largestBytes: 0 }
  const src: ByteSource = {
    sizeBytes: bytes.length,
    read: async (offset, length) => {
      stats.reads++
      stats.totalBytes += length
      stats.largestBytes = Math.max(stats.largestBytes, length)
      return bytes.slice(offset, offset + length)
    },
  }
  return { src, stats }
}

async function checkBounded(name: string, bytes: Uint8Array): Promise<GgufCheck> {
  const { src, stats } = budgetSource(bytes)
  let timer: ReturnType<typeof setTimeout> | undefined
  const check = await Promise.race([
    validateGguf(src),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: no answer in ${TIME_LIMIT_MS} ms`)), TIME_LIMIT_MS) }),
  ]).finally(() => clearTimeout(timer))
  expect(stats.largestBytes, `${name}: largest read`).toBeLessThanOrEqual(MAX_READ_BYTES)
  expect(stats.totalBytes, `${name}: bytes read`).toBeLessThanOrEqual(MAX_TOTAL_READ_BYTES)
  return check
}

describe('malformed GGUF corpus (issue 8 item 1)', () => {
  it('gives every hand-made malformed file a clear error, in bounded time and reads', async () => {
    const cases = handMade()
    const codes: Record<string, number> = {}
    for (const [name, bytes] of cases) {
      const check = await checkBounded(name, bytes)
      expect(check.ok, `${name} was accepted`).toBe(false)
      if (!check.ok) {
        expect(check.message.length, name).toBeGreaterThan(20)
        codes[check.code] = (codes[check.code] ?? 0) + 1
      }
    }
    console.log(`GGUF corpus: ${cases.length} hand-made malformed files tried, all refused:`, codes)
    expect(codes.invalid_model_file).toBeGreaterThan(10)
    expect(codes.truncated_model_file).toBeGreaterThan(5)
  })

  it('answers 400 random mutations of stories260K with a clear error or a valid header, heap bounded', async () => {
    const cases = mutations(400)
    const outcomes: Record<string, number> = {}
    const heapBefore = process.memoryUsage().heapUsed
    for (const [name, bytes] of cases) {
      const check = await checkBounded(name, bytes)
      outcomes[check.ok ? 'valid' : check.code] = (outcomes[check.ok ? 'valid' : check.code] ?? 0) + 1
      if (!check.ok)
        expect(check.message, name).toMatch(/GGUF|model file|incomplete|tensor|metadata|corrupt/i)
    }
    const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20
    console.log(`GGUF corpus: ${cases.length} random mutations of stories260K tried:`, outcomes, `heap growth ${heapGrowthMiB.toFixed(1)} MiB`)
    expect(heapGrowthMiB).toBeLessThan(256)
    expect(outcomes.invalid_model_file).toBeGreaterThan(0)
    expect(outcomes.truncated_model_file).toBeGreaterThan(0)
  })
})
