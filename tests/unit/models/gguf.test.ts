import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { blobSource, GGML_TYPES, isGgufMagic, readGgufHeader, validateGguf } from '../../../src/models/gguf'
import type { ByteSource, GgufCheck } from '../../../src/models/gguf'

const MODELS_DIR = process.env.MODELS_DIR
  ?? [fileURLToPath(new URL('../../../../shared/models', import.meta.url)), '/work/shared/models'].find(d => existsSync(d))
  ?? '/work/shared/models'
const stories = readFileSync(`${MODELS_DIR}/stories260K.gguf`)
const tinyRandom = readFileSync(`${MODELS_DIR}/llama-2-tiny-random.gguf`)

type Read = { offset: number, length: number }

/** An in-memory source that records every read, so tests can see which bytes the reader touched. */
function memSource(bytes: Uint8Array, reads: Read[] = []): ByteSource {
  return {
    sizeBytes: bytes.length,
    read: async (offset, length) => {
      reads.push({ offset, length })
      return bytes.slice(offset, offset + length)
    },
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('hung')), timeoutMs))])
}

async function expectFailure(bytes: Uint8Array, code: 'invalid_model_file' | 'truncated_model_file'): Promise<string> {
  const check = await validateGguf(memSource(bytes))
  expect(check).toMatchObject({ ok: false, code })
  return check.ok ? '' : check.message
}

function okOf(check: GgufCheck): Extract<GgufCheck, { ok: true }> {
  if (!check.ok)
    throw new Error(`expected a valid model, got ${check.code}: ${check.message}`)
  return check
}

// A tiny GGUF writer for the cases the real files cannot show.
const TAG = { uint32: 4, string: 8, array: 9, uint64: 10 } as const
const enc = new TextEncoder()
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
  return out
}
function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}
function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}
const str = (s: string) => cat(u64(enc.encode(s).length), enc.encode(s))
const kv = (key: string, tag: number, value: Uint8Array) => cat(str(key), u32(tag), value)
const kvString = (key: string, value: string) => kv(key, TAG.string, str(value))
const arch = kvString('general.architecture', 'llama')
const tensor = (name: string, dims: number[], type: number, offset: number) =>
  cat(str(name), u32(dims.length), ...dims.map(u64), u32(type), u64(offset))

/** Header, padding to 32 bytes when there are tensors, then `dataBytes` zero bytes. */
function gguf(kvs: Uint8Array[], tensors: Uint8Array[] = [], dataBytes = 0): Uint8Array {
  const header = cat(enc.encode('GGUF'), u32(3), u64(tensors.length), u64(kvs.length), ...kvs, ...tensors)
  const padded = tensors.length ? Math.ceil(header.length / 32) * 32 : header.length
  return cat(header, new Uint8Array(padded - header.length + dataBytes))
}

describe('readGgufHeader and validateGguf on the real test models', () => {
  it('reads stories260K: llama, 5 layers, 512-token vocabulary, 292,800 F32 weights, no chat template', async () => {
    const { header, summary } = okOf(await validateGguf(memSource(stories)))
    expect(summary).toMatchObject({
      architecture: 'llama', vocabSize: 512, blockCount: 5, embeddingLength: 64, headCount: 8, headCountKv: 4,
      feedForwardLength: 172, contextLength: 2048, hasChatTemplate: false, parameterCount: 292_800,
    })
    expect(summary.chatTemplate).toBeUndefined()
    expect(header).toMatchObject({ version: 3, tensorCount: 48, alignment: 32, dataEndBytes: stories.length })
    expect(header.tensors.every(t => t.typeName === 'F32')).toBe(true)
  })

  it('reads llama-2-tiny-random: llama, 1 layer, 8-dim, 32,000-token vocabulary, F16', async () => {
    const { header, summary } = okOf(await validateGguf(memSource(tinyRandom)))
    expect(summary).toMatchObject({
      architecture: 'llama', vocabSize: 32_000, blockCount: 1, embeddingLength: 8, hasChatTemplate: false,
      fileType: 'F16', parameterCount: 513_048,
    })
    expect(header.dataEndBytes).toBe(tinyRandom.length)
    expect(header.tensors.find(t => t.name === 'token_embd.weight')).toMatchObject({ typeName: 'F16', dims: [8, 32_000] })
  })

  it('keeps the vocabulary as a count, not as 32,000 strings', async () => {
    const header = await readGgufHeader(memSource(tinyRandom))
    expect(header.metadata['tokenizer.ggml.tokens']).toEqual({ type: 'array', elementType: 'string', length: 32_000 })
    expect(header.metadata['tokenizer.ggml.scores']).toEqual({ type: 'array', elementType: 'float32', length: 32_000 })
  })

  it('lays tensors out aligned, without overlap, ending exactly at the end of the file', async () => {
    for (const file of [stories, tinyRandom]) {
      const header = await readGgufHeader(memSource(file))
      const sorted = [...header.tensors].sort((a, b) => a.offset - b.offset)
      sorted.forEach((t, i) => {
        expect(t.offset % header.alignment).toBe(0)
        expect(t.offset + t.sizeBytes).toBeLessThanOrEqual(sorted[i + 1]?.offset ?? Infinity)
      })
      expect(header.dataOffset % header.alignment).toBe(0)
      expect(header.dataEndBytes).toBe(file.length)
    }
  })

  it('reads only the header: no read starts in the tensor data', async () => {
    for (const file of [stories, tinyRandom]) {
      const reads: Read[] = []
      const header = await readGgufHeader(memSource(file, reads))
      const bytesRead = reads.reduce((sum, r) => sum + r.length, 0)
      expect(reads.every(r => r.offset < header.dataOffset)).toBe(true)
      expect(bytesRead).toBeLessThan(file.length)
      expect(bytesRead).toBeLessThanOrEqual(header.dataOffset + 1024 * 1024) // at most one read-ahead chunk past it
    }
    const reads: Read[] = []
    const header = await readGgufHeader(memSource(stories, reads))
    expect(reads.reduce((sum, r) => sum + r.length, 0)).toBeLessThan(header.dataOffset + 16 * 1024)
  })

  it('gives the same answer through blobSource, as in the browser', async () => {
    const fromBlob = okOf(await validateGguf(blobSource(new Blob([stories]))))
    const fromMemory = okOf(await validateGguf(memSource(stories)))
    expect(fromBlob.summary).toEqual(fromMemory.summary)
    expect(fromBlob.header.dataOffset).toBe(fromMemory.header.dataOffset)
  })

  it('isGgufMagic accepts a GGUF first chunk and rejects others', () => {
    expect(isGgufMagic(stories.subarray(0, 64 * 1024))).toBe(true)
    expect(isGgufMagic(enc.encode('GGML....'))).toBe(false)
    expect(isGgufMagic(enc.encode('GGU'))).toBe(false)
  })
})

describe('validateGguf on bad files', () => {
  it('rejects wrong magic bytes, naming what the file starts with', async () => {
    const bytes = Uint8Array.from(stories)
    bytes.set(enc.encode('GGML'))
    expect(await expectFailure(bytes, 'invalid_model_file')).toMatch(/not a GGUF model \(it starts with "GGML/)
  })

  it('rejects a text file such as an HTML error page', async () => {
    const html = enc.encode('<!DOCTYPE html><html><body>Rate limit exceeded</body></html>')
    expect(await expectFailure(html, 'invalid_model_file')).toContain('"<!DOCTYP"')
  })

  it('calls a zero-length file, or a bare "GG", truncated; two other bytes are invalid', async () => {
    expect(await expectFailure(new Uint8Array(0), 'truncated_model_file')).toContain('empty')
    await expectFailure(enc.encode('GG'), 'truncated_model_file')
    expect(await expectFailure(Uint8Array.of(0x50, 0x4B), 'invalid_model_file')).toContain('"PK" (bytes 50 4b)')
    expect(await expectFailure(new Uint8Array(16), 'invalid_model_file')).toContain('with bytes 00 00 00 00,')
  })

  it('rejects unsupported and big-endian versions', async () => {
    const withVersion = (v: Uint8Array) => cat(stories.subarray(0, 4), v, stories.subarray(8))
    expect(await expectFailure(withVersion(u32(1)), 'invalid_model_file')).toContain('version 1')
    expect(await expectFailure(withVersion(u32(99)), 'invalid_model_file')).toContain('version 99')
    expect(await expectFailure(withVersion(Uint8Array.of(0, 0, 0, 3)), 'invalid_model_file')).toContain('big-endian')
  })

  it('reports truncation inside the header, the metadata, the tensor infos and the tensor data', async () => {
    const { dataOffset } = await readGgufHeader(memSource(stories))
    for (const cut of [6, 20, 5_000, dataOffset - 100, dataOffset + 1_000, stories.length - 1]) {
      const message = await expectFailure(stories.subarray(0, cut), 'truncated_model_file')
      expect(message).toContain(`only ${cut}`)
    }
    expect(await expectFailure(stories.subarray(0, dataOffset + 1_000), 'truncated_model_file')).toContain(`${stories.length} bytes`)
  })

  it('never throws or hangs on 200 random truncations and byte flips of the header', async () => {
    const { dataOffset } = await readGgufHeader(memSource(stories))
    let seed = 42
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const codes = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const isCut = i % 2 === 0
      const bytes = isCut ? stories.slice(0, Math.floor(random() * dataOffset)) : Uint8Array.from(stories)
      for (let f = 0; !isCut && f < 1 + Math.floor(random() * 4); f++)
        bytes[Math.floor(random() * dataOffset)]! ^= 1 + Math.floor(random() * 255)
      const check = await withTimeout(validateGguf(memSource(bytes)), 5_000)
      if (isCut)
        expect(check).toMatchObject({ ok: false, code: 'truncated_model_file' })
      codes.add(check.ok ? 'ok' : check.code)
      expect(check.ok || check.message.length > 0).toBe(true)
    }
    expect(codes).toContain('invalid_model_file')
  })
})

describe('readGgufHeader on hand-made files', () => {
  it('computes the data end from block sizes: a Q8_0 [64, 2] tensor is 4 blocks of 34 bytes', async () => {
    const bytes = gguf([arch], [tensor('w', [64, 2], 8, 0)], 136)
    const { header } = okOf(await validateGguf(memSource(bytes)))
    expect(header.dataEndBytes).toBe(header.dataOffset + 136)
    expect(await expectFailure(bytes.subarray(0, bytes.length - 1), 'truncated_model_file'))
      .toContain(`describes ${bytes.length} bytes, but the file has only ${bytes.length - 1}`)
    okOf(await validateGguf(memSource(cat(bytes, new Uint8Array(32))))) // trailing padding is fine
  })

  it('accepts a vocabulary-only file that ends right after its header', async () => {
    const bytes = gguf([arch, kvString('tokenizer.ggml.model', 'llama')])
    expect(okOf(await validateGguf(memSource(bytes))).header.dataEndBytes).toBe(bytes.length)
  })

  it('keeps arrays of up to 64 elements, summarizes longer ones, and keeps big u64 as bigint', async () => {
    const ints = (n: number) => cat(u32(TAG.uint32), u64(n), ...Array.from({ length: n }, (_, i) => u32(i)))
    const { metadata } = await readGgufHeader(memSource(gguf([
      arch, kv('a64', TAG.array, ints(64)), kv('a65', TAG.array, ints(65)),
      kv('names', TAG.array, cat(u32(TAG.string), u64(2), str('x'), str('y'))),
      kv('big', TAG.uint64, u64(2n ** 60n)), kvString('__proto__', 'plain data'),
    ])))
    expect(metadata.a64).toEqual(Array.from({ length: 64 }, (_, i) => i))
    expect(metadata.a65).toEqual({ type: 'array', elementType: 'uint32', length: 65 })
    expect(metadata.names).toEqual(['x', 'y'])
    expect(metadata.big).toBe(2n ** 60n)
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('plain data')
  })

  it.each([
    ['a duplicate key', gguf([arch, arch]), 'appears twice'],
    ['an unknown value type', gguf([arch, kv('x', 13, u32(0))]), 'unknown value type 13'],
    ['a 1 TiB string', gguf([arch, kv('x', TAG.string, u64(2 ** 40))]), 'the length of x'],
    ['a removed ggml type', gguf([arch], [tensor('w', [32], 4, 0)], 32), 'ggml type 4'],
    ['a misaligned tensor', gguf([arch], [tensor('w', [8], 0, 4)], 64), 'not a multiple of 32'],
    ['a row that is not whole blocks', gguf([arch], [tensor('w', [33], 8, 0)], 64), 'invalid for Q8_0'],
    ['five dimensions', gguf([arch], [tensor('w', [1, 1, 1, 1, 1], 0, 0)], 32), '5 dimensions'],
    ['no architecture', gguf([kvString('general.name', 'x')]), 'no general.architecture'],
    ['an alignment of 24', gguf([arch, kv('general.alignment', TAG.uint32, u32(24))]), 'not a power of two'],
  ])('rejects %s as invalid', async (_, bytes, text) => {
    expect(await expectFailure(bytes, 'invalid_model_file')).toContain(text)
  })

  it('knows the block geometry of the common ggml types', () => {
    const geometry = (id: number) => [GGML_TYPES.get(id)?.blockSize, GGML_TYPES.get(id)?.bytesPerBlock]
    expect(geometry(8)).toEqual([32, 34]) // Q8_0: an f16 scale and 32 int8
    expect(geometry(2)).toEqual([32, 18]) // Q4_0
    expect(geometry(12)).toEqual([256, 144]) // Q4_K
    expect(geometry(14)).toEqual([256, 210]) // Q6_K
    expect(geometry(23)).toEqual([256, 136]) // IQ4_XS
    expect(geometry(30)).toEqual([1, 2]) // BF16
  })
})
