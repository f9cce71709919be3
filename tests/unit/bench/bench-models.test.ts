import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { getLlama, LlamaCompletion } from 'node-llama-cpp'
import { validateGguf, type ByteSource } from '../../../src/models/gguf'
import { DEFAULT_TOKENIZER, SHAPE_135M, writeBenchModel, type BenchQuant } from '../../../scripts/make-bench-models.mjs'

const dir = mkdtempSync(join(tmpdir(), 'bench-models-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fileSource(path: string): ByteSource {
  const bytes = readFileSync(path)
  return { sizeBytes: bytes.length, read: async (offset, length) => new Uint8Array(bytes.subarray(offset, offset + length)) }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

describe('scripts/make-bench-models.mjs', () => {
  it.each<[BenchQuant, string, number]>([['q8_0', 'Q8_0', 34], ['q4_0', 'Q4_0', 18], ['q4_1', 'Q4_1', 20]])(
    'writes the 135M chat shape in %s that the app\'s GGUF reader accepts', async (quant, typeName, blockBytes) => {
      const out = join(dir, `full-${quant}.gguf`)
      const written = writeBenchModel({ out, quant })
      const check = await validateGguf(fileSource(out))
      if (!check.ok)
        throw new Error(check.message)
      expect(check.summary).toMatchObject({
        architecture: 'llama', blockCount: 30, embeddingLength: 576, headCount: 9, headCountKv: 3, feedForwardLength: 1536,
        vocabSize: 32000, fileType: typeName,
      })
      // 30 layers x 9 tensors + token embedding + output norm; the output reuses the embedding, as SmolLM-135M does.
      expect(check.header.tensorCount).toBe(SHAPE_135M.layers * 9 + 2)
      expect(check.summary.parameterCount).toBe(written.parameters)
      expect(written.parameters).toBeGreaterThan(120e6)
      const embd = check.header.tensors.find(t => t.name === 'token_embd.weight')!
      expect(embd.typeName).toBe(typeName)
      expect(embd.sizeBytes).toBe((576 * 32000 / 32) * blockBytes)
      expect(check.header.dataEndBytes).toBeLessThanOrEqual(written.bytes)
      // The tokenizer is the source file's, unchanged.
      const source = await validateGguf(fileSource(DEFAULT_TOKENIZER))
      if (!source.ok)
        throw new Error(source.message)
      expect(check.header.metadata['tokenizer.ggml.model']).toBe(source.header.metadata['tokenizer.ggml.model'])
      expect(check.header.metadata['tokenizer.ggml.bos_token_id']).toBe(source.header.metadata['tokenizer.ggml.bos_token_id'])
      rmSync(out)
    },
  )

  it('is deterministic: same seed, same bytes; another seed, other weights', () => {
    const shape = { layers: 2, embd: 64, heads: 4, kvHeads: 2, ffn: 128 }
    const a = writeBenchModel({ out: join(dir, 'a.gguf'), quant: 'q8_0', shape, seed: 7 }).path
    const b = writeBenchModel({ out: join(dir, 'b.gguf'), quant: 'q8_0', shape, seed: 7 }).path
    const c = writeBenchModel({ out: join(dir, 'c.gguf'), quant: 'q8_0', shape, seed: 8 }).path
    expect(sha(a)).toBe(sha(b))
    expect(sha(a)).not.toBe(sha(c))
  })

  it('loads and generates in native llama.cpp (node-llama-cpp), both quantizations', async () => {
    const llama = await getLlama({ gpu: false, build: 'never' })
    for (const quant of ['q8_0', 'q4_0'] as const) {
      const out = writeBenchModel({ out: join(dir, `load-${quant}.gguf`), quant, shape: { ...SHAPE_135M, layers: 4 } }).path
      const model = await llama.loadModel({ modelPath: out })
      const context = await model.createContext({ contextSize: 256, threads: 1 })
      try {
        expect(model.fileInfo.metadata.general.architecture).toBe('llama')
        let tokens = 0
        const completion = new LlamaCompletion({ contextSequence: context.getSequence() })
        await completion.generateCompletion('Once upon a time', { maxTokens: 8, onToken: (t) => { tokens += t.length } })
        expect(tokens).toBeGreaterThan(0)
      }
      finally {
        await context.dispose()
        await model.dispose()
      }
    }
  })
})
