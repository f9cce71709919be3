import { describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import {
  ALL_LAYERS,
  assertFits,
  chooseBackend,
  climbDown,
  degradationLadder,
  isOutOfMemory,
  kvCacheBytes,
  memoryLimitBytes,
  planContext,
  WASM_MAX_BYTES,
  type FitInput,
  type LoadAttempt,
} from '../../../src/models/load-plan'

const GiB = 2 ** 30

/** The header of SmolLM2-135M: 30 blocks, 576 embedding, 9 heads, 3 KV heads. */
const SMOL_135M = { blockCount: 30, embeddingLength: 576, headCount: 9, headCountKv: 3 }
/** f16 K and V, per token, for that model: 2 tensors * 2 bytes * 30 * 576 * 3/9. */
const SMOL_KV_PER_TOKEN = 2 * 2 * 30 * 576 / 3

describe('chooseBackend', () => {
  const withF16 = { hasAdapter: true, features: ['shader-f16', 'timestamp-query'] }

  it('runs on the CPU without a note when 0 GPU layers are asked for, even with a capable GPU', () => {
    expect(chooseBackend(0, withF16)).toEqual({ backend: 'cpu', gpuLayers: 0 })
  })

  it('falls back to the CPU with a note when there is no WebGPU adapter', () => {
    const choice = chooseBackend(undefined, { hasAdapter: false, features: [] })
    expect(choice.backend).toBe('cpu')
    expect(choice.gpuLayers).toBe(0)
    expect(choice.note).toMatch(/No WebGPU adapter/)
  })

  it('falls back to the CPU with a note naming shader-f16 when the adapter lacks it', () => {
    const choice = chooseBackend(ALL_LAYERS, { hasAdapter: true, features: ['timestamp-query'] })
    expect(choice.backend).toBe('cpu')
    expect(choice.gpuLayers).toBe(0)
    expect(choice.note).toContain('shader-f16')
  })

  it('uses WebGPU with every layer by default, or the requested count, when shader-f16 is there', () => {
    expect(chooseBackend(undefined, withF16)).toEqual({ backend: 'webgpu', gpuLayers: ALL_LAYERS })
    expect(chooseBackend(12, withF16)).toEqual({ backend: 'webgpu', gpuLayers: 12 })
  })
})

describe('degradationLadder', () => {
  it('starts with the request unchanged, halves the context down to minCtx, then moves layers to the CPU', () => {
    const ladder = degradationLadder(2048, 40, 256)
    expect(ladder.map(a => [a.nCtx, a.gpuLayers])).toEqual([
      [2048, 40],
      [1024, 40],
      [512, 40],
      [256, 40],
      [256, 20],
      [256, 0],
    ])
    expect(ladder[0]).toEqual({ nCtx: 2048, gpuLayers: 40 })
    expect(ladder[1]?.change).toBe('context reduced from 2048 to 1024 tokens')
    expect(ladder[4]?.change).toBe('context reduced to 256 tokens and half the layers moved to the CPU')
    expect(ladder.at(-1)).toEqual({ nCtx: 256, gpuLayers: 0, change: 'context reduced to 256 tokens and the model moved to the CPU' })
  })

  it('has no GPU steps when the model is already on the CPU', () => {
    const ladder = degradationLadder(2048, 0)
    expect(ladder.map(a => a.nCtx)).toEqual([2048, 1024, 512, 256])
    expect(ladder.every(a => a.gpuLayers === 0)).toBe(true)
    expect(ladder.slice(1).every(a => a.change?.startsWith('context reduced from 2048'))).toBe(true)
  })

  it('never goes below minCtx when the context is not a power of two', () => {
    const ladder = degradationLadder(3000, 0, 256)
    expect(ladder.map(a => a.nCtx)).toEqual([3000, 1500, 750, 375])
  })

  it('is the request alone when it is already at minCtx on the CPU', () => {
    expect(degradationLadder(256, 0, 256)).toEqual([{ nCtx: 256, gpuLayers: 0 }])
  })
})

describe('kvCacheBytes', () => {
  it('counts f16 K and V for every block, scaled by KV heads over heads (grouped-query attention)', () => {
    const bytes = kvCacheBytes({ fileBytes: 0, nCtx: 2048, ...SMOL_135M })
    expect(bytes).toBe(2 * 2 * 2048 * 30 * 576 * (3 / 9))
    expect(bytes).toBe(47_185_920)
  })

  it('assumes one KV head per head when the header does not say, and 0 when dimensions are missing', () => {
    expect(kvCacheBytes({ fileBytes: 0, nCtx: 100, blockCount: 2, embeddingLength: 8 })).toBe(2 * 2 * 100 * 2 * 8)
    expect(kvCacheBytes({ fileBytes: 0, nCtx: 2048, embeddingLength: 576 })).toBe(0)
    expect(kvCacheBytes({ fileBytes: 0, nCtx: 2048, blockCount: 30 })).toBe(0)
  })
})

describe('memoryLimitBytes', () => {
  it('is half the device, capped by the wasm memory limit', () => {
    expect(memoryLimitBytes(2)).toBe(1 * GiB)
    expect(memoryLimitBytes(8)).toBe(4 * GiB)
    expect(memoryLimitBytes(32)).toBe(WASM_MAX_BYTES)
    expect(memoryLimitBytes(undefined)).toBe(WASM_MAX_BYTES)
  })
})

describe('assertFits', () => {
  it('accepts a 3 GiB file on an 8 GiB device', () => {
    expect(() => assertFits({ fileBytes: 3 * GiB, nCtx: 2048, deviceMemoryGiB: 8 })).not.toThrow()
  })

  it('refuses a 5 GiB file with unsupported_device, stating what it needs and what the device gives', () => {
    let caught: unknown
    try {
      assertFits({ fileBytes: 5 * GiB, nCtx: 2048, deviceMemoryGiB: 8 })
    }
    catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(AppError)
    expect((caught as AppError).code).toBe('unsupported_device')
    expect((caught as AppError).message).toContain('at least 5.0 GiB')
    expect((caught as AppError).message).toContain('about 4.0 GiB')
  })

  it('refuses a 1.5 GiB file on a 2 GiB device', () => {
    expect(() => assertFits({ fileBytes: 1.5 * GiB, nCtx: 2048, deviceMemoryGiB: 2 }))
      .toThrow(expect.objectContaining({ code: 'unsupported_device', message: expect.stringContaining('1.5 GiB') }))
    expect(() => assertFits({ fileBytes: 0.9 * GiB, nCtx: 2048, deviceMemoryGiB: 2 })).not.toThrow()
  })

  it('counts the KV cache at the smallest context, not the requested one', () => {
    // 1 GiB limit; the 256-token cache is 5.6 MiB, the 2048-token one 45 MiB.
    const justUnder = 1 * GiB - SMOL_KV_PER_TOKEN * 256
    expect(() => assertFits({ fileBytes: justUnder, nCtx: 2048, deviceMemoryGiB: 2, ...SMOL_135M })).not.toThrow()
    expect(() => assertFits({ fileBytes: justUnder + 1, nCtx: 2048, deviceMemoryGiB: 2, ...SMOL_135M }))
      .toThrow(expect.objectContaining({ code: 'unsupported_device' }))
  })
})

describe('planContext', () => {
  const base: FitInput = { fileBytes: 3 * GiB, nCtx: 2048, deviceMemoryGiB: 8, ...SMOL_135M }
  /** 4 GiB limit - 3 GiB weights = 1 GiB left; the KV cache may take half of it. */
  const FITS_IN_HALF_GIB = Math.floor(GiB / 2 / SMOL_KV_PER_TOKEN)

  it('caps a huge request at what fits next to the weights, and says it was memory', () => {
    expect(FITS_IN_HALF_GIB).toBe(23_301)
    expect(planContext({ ...base, nCtx: 1_000_000 })).toEqual({ nCtx: FITS_IN_HALF_GIB, reason: 'a larger one would not fit in this device\'s memory' })
  })

  it('keeps a request that fits, with no reason', () => {
    expect(planContext(base)).toEqual({ nCtx: 2048 })
    expect(planContext({ ...base, nCtx: FITS_IN_HALF_GIB })).toEqual({ nCtx: FITS_IN_HALF_GIB })
    expect(planContext({ ...base, nCtx: FITS_IN_HALF_GIB + 1 }).nCtx).toBe(FITS_IN_HALF_GIB)
  })

  it('caps the request at the trained context, and says so', () => {
    expect(planContext({ ...base, nCtx: 8192, contextLength: 4096 })).toEqual({ nCtx: 4096, reason: 'the model was trained on 4096 tokens' })
    expect(planContext({ ...base, nCtx: 2048, contextLength: 4096 })).toEqual({ nCtx: 2048 })
  })

  it('never goes below minCtx, even when nothing fits', () => {
    expect(planContext({ ...base, fileBytes: 4 * GiB }, 256).nCtx).toBe(256)
    expect(planContext({ ...base, fileBytes: 5 * GiB }, 512).nCtx).toBe(512)
  })

  it('leaves the request unchanged when the header lacks the dimensions', () => {
    expect(planContext({ fileBytes: 3.9 * GiB, nCtx: 131_072, deviceMemoryGiB: 8 })).toEqual({ nCtx: 131_072 })
  })
})

describe('climbDown', () => {
  const ladder = degradationLadder(2048, 40, 256)

  /** A `create` that throws the scripted errors in order, then returns the attempt it succeeded with. */
  function scripted(...failures: unknown[]) {
    return vi.fn(async (a: LoadAttempt) => {
      if (failures.length)
        throw failures.shift()
      return `model@${a.nCtx}/${a.gpuLayers}`
    })
  }

  it('returns the first attempt with no changes when it succeeds', async () => {
    const create = scripted()
    const result = await climbDown(ladder, create)
    expect(result).toEqual({ value: 'model@2048/40', attempt: ladder[0], changes: [] })
    expect(create).toHaveBeenCalledTimes(1)
  })

  it('moves down the ladder on memory errors and says what was given up', async () => {
    const create = scripted(new Error('Cannot enlarge memory arrays'), new RangeError('ggml: failed to allocate buffer'))
    const result = await climbDown(ladder, create)
    expect(create.mock.calls.map(([a]) => a.nCtx)).toEqual([2048, 1024, 512])
    expect(result.value).toBe('model@512/40')
    expect(result.attempt).toBe(ladder[2])
    expect(result.changes).toEqual(['Not enough memory: context reduced from 2048 to 512 tokens.'])
  })

  it('stops at once with load_failed on an error that is not about memory', async () => {
    const cause = new Error('invalid magic number')
    const create = scripted(cause)
    const err = await climbDown(ladder, create).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('load_failed')
    expect((err as AppError).message).toBe('The model could not be loaded: invalid magic number')
    expect((err as AppError).cause).toBe(cause)
    expect(create).toHaveBeenCalledTimes(1)
  })

  it('gives up with out_of_memory, citing the last error, when every attempt runs out of memory', async () => {
    const create = vi.fn(async (a: LoadAttempt): Promise<string> => {
      throw new Error(`failed to allocate ${a.nCtx}/${a.gpuLayers}`)
    })
    const err = await climbDown(ladder, create).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('out_of_memory')
    expect((err as AppError).message).toContain('failed to allocate 256/0')
    expect(create).toHaveBeenCalledTimes(ladder.length)
  })
})

describe('isOutOfMemory', () => {
  it.each([
    ['Cannot enlarge memory arrays to size 4294967296 bytes', true],
    ['RuntimeError: memory access out of bounds', true],
    ['ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 1073741824', true],
    ['Out of memory', true],
    ['invalid magic number', false],
    ['File not found: model.gguf', false],
    ['unknown model architecture: \'qwen3moe\'', false],
  ])('%s -> %s', (message, expected) => {
    expect(isOutOfMemory(new Error(message))).toBe(expected)
  })

  it('reads the error name and plain strings too', () => {
    expect(isOutOfMemory(new RangeError('WebAssembly.Memory(): could not allocate memory'))).toBe(true)
    expect(isOutOfMemory('OOM while loading')).toBe(true)
    expect(isOutOfMemory('tokenizer error')).toBe(false)
  })
})

describe('fixes found in review', () => {
  it('does not take a model named "bloom" or an "allocator" message for out-of-memory', () => {
    expect(isOutOfMemory(new Error('unknown model architecture: \'bloom\''))).toBe(false)
    expect(isOutOfMemory(new Error('custom allocator missing'))).toBe(false)
    expect(isOutOfMemory(new Error('OOM while loading'))).toBe(true)
  })

  it('never raises a small context on the GPU steps, and says only what changed', () => {
    const ladder = degradationLadder(128, 6)
    expect(ladder.every(a => a.nCtx === 128)).toBe(true)
    expect(ladder.map(a => a.change)).toEqual([undefined, 'half the layers moved to the CPU', 'the model moved to the CPU'])
  })

  it('offloads the real layer count (blocks + output), so halving it means half', () => {
    const gpu = { hasAdapter: true, features: ['shader-f16'] }
    expect(chooseBackend(undefined, gpu, 5)).toEqual({ backend: 'webgpu', gpuLayers: 6 })
    expect(chooseBackend(3, gpu, 5)).toEqual({ backend: 'webgpu', gpuLayers: 3 })
    expect(chooseBackend(undefined, gpu)).toEqual({ backend: 'webgpu', gpuLayers: ALL_LAYERS })
  })
})
