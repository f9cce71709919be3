/**
 * How a GGUF is loaded on this device: CPU or WebGPU, and what to give up when memory runs short. Pure functions,
 * so the rules are unit-tested without a browser.
 */
import { AppError } from '../shared/errors'

/** Context size when the user has not chosen one, in tokens. */
export const DEFAULT_N_CTX = 2048

/** wllama's WebAssembly memory is capped at 65536 pages of 64 KiB (its glue's `maximum`). */
export const WASM_MAX_BYTES = 4 * 2 ** 30

export interface GpuInfo {
  hasAdapter: boolean
  features: string[]
}

export interface BackendChoice {
  backend: 'cpu' | 'webgpu'
  /** Layers given to the GPU; 0 on the CPU. */
  gpuLayers: number
  /** Why the CPU was chosen when a GPU was asked for. */
  note?: string
}

/** All layers; llama.cpp clamps to the model's count. */
export const ALL_LAYERS = 999

/**
 * llama.cpp's WebGPU backend needs `shader-f16`: without it the device is not created and llama.cpp falls back to
 * the CPU silently (https://github.com/ggml-org/llama.cpp, ggml-webgpu requires FeatureName::ShaderF16). Choosing
 * here makes the fallback visible.
 */
export function chooseBackend(requestedLayers: number | undefined, gpu: GpuInfo, blockCount?: number): BackendChoice {
  if (requestedLayers === 0)
    return { backend: 'cpu', gpuLayers: 0 }
  if (!gpu.hasAdapter)
    return { backend: 'cpu', gpuLayers: 0, note: 'No WebGPU adapter: running on the CPU.' }
  if (!gpu.features.includes('shader-f16'))
    return { backend: 'cpu', gpuLayers: 0, note: 'This GPU lacks 16-bit float shaders (shader-f16), which llama.cpp\'s WebGPU backend needs: running on the CPU.' }
  // The real count (blocks + the output layer), so "half the layers" in the memory ladder means half.
  const all = blockCount ? blockCount + 1 : ALL_LAYERS
  return { backend: 'webgpu', gpuLayers: Math.min(requestedLayers ?? all, all) }
}

export interface LoadAttempt {
  nCtx: number
  gpuLayers: number
  /** What was given up compared with the request, for the user. */
  change?: string
}

/** The request, then smaller contexts, then fewer GPU layers, then the CPU. */
export function degradationLadder(nCtx: number, gpuLayers: number, minCtx = 256): LoadAttempt[] {
  const attempts: LoadAttempt[] = [{ nCtx, gpuLayers }]
  for (let ctx = Math.floor(nCtx / 2); ctx >= minCtx; ctx = Math.floor(ctx / 2))
    attempts.push({ nCtx: ctx, gpuLayers, change: `context reduced from ${nCtx} to ${ctx} tokens` })
  const smallest = Math.min(nCtx, minCtx)
  const ctxChange = smallest < nCtx ? `context reduced to ${smallest} tokens and ` : ''
  if (gpuLayers > 1)
    attempts.push({ nCtx: smallest, gpuLayers: Math.floor(gpuLayers / 2), change: `${ctxChange}half the layers moved to the CPU` })
  if (gpuLayers > 0)
    attempts.push({ nCtx: smallest, gpuLayers: 0, change: `${ctxChange}the model moved to the CPU` })
  return attempts
}

export interface FitInput {
  fileBytes: number
  nCtx: number
  /** From the GGUF header; when unknown, only the file size counts. */
  blockCount?: number
  embeddingLength?: number
  headCount?: number
  headCountKv?: number
  /** The context the model was trained with, in tokens. */
  contextLength?: number
  /** navigator.deviceMemory, in GiB (Chrome reports at most 8). */
  deviceMemoryGiB?: number
}

/** Bytes of f16 K and V cache for `nCtx` tokens. */
export function kvCacheBytes(f: FitInput): number {
  if (!f.blockCount || !f.embeddingLength)
    return 0
  const kvRatio = f.headCount && f.headCountKv ? f.headCountKv / f.headCount : 1
  return 2 * 2 * f.nCtx * f.blockCount * f.embeddingLength * kvRatio
}

/** Memory this device can give one model, in bytes: half of the device (the rest is the browser's), at most wasm's cap. */
export function memoryLimitBytes(deviceMemoryGiB?: number): number {
  const deviceBytes = deviceMemoryGiB ? deviceMemoryGiB * 2 ** 30 : Infinity
  return Math.min(WASM_MAX_BYTES, deviceBytes / 2)
}

const gib = (n: number) => (n / 2 ** 30).toFixed(1)

/**
 * Refuses a model that cannot fit even with the smallest context, before anything is loaded.
 * @throws AppError 'unsupported_device'
 */
export function assertFits(f: FitInput, minCtx = 256): void {
  const needed = f.fileBytes + kvCacheBytes({ ...f, nCtx: Math.min(f.nCtx, minCtx) })
  const limit = memoryLimitBytes(f.deviceMemoryGiB)
  if (needed > limit)
    throw new AppError('unsupported_device', `This model needs at least ${gib(needed)} GiB of memory, but this device can give it about ${gib(limit)} GiB. Pick a smaller model (fewer parameters or a smaller quantization).`)
}

/**
 * The context to load with: at most the model's trained context (beyond it a model without rope scaling writes
 * nonsense), and small enough that the KV cache takes at most half the memory left after the weights (compute
 * buffers need the rest). `reason` says why it is smaller than asked.
 */
export function planContext(f: FitInput, minCtx = 256): { nCtx: number, reason?: string } {
  if (f.contextLength && f.nCtx > f.contextLength)
    return capByMemory({ ...f, nCtx: f.contextLength }, minCtx, `the model was trained on ${f.contextLength} tokens`)
  return capByMemory(f, minCtx)
}

function capByMemory(f: FitInput, minCtx: number, reason?: string): { nCtx: number, reason?: string } {
  const perToken = kvCacheBytes({ ...f, nCtx: 1 })
  const room = (memoryLimitBytes(f.deviceMemoryGiB) - f.fileBytes) / 2
  if (perToken === 0 || f.nCtx * perToken <= room)
    return { nCtx: f.nCtx, reason }
  return { nCtx: Math.max(minCtx, Math.floor(room / perToken)), reason: 'a larger one would not fit in this device\'s memory' }
}

export interface LadderResult<T> {
  value: T
  attempt: LoadAttempt
  /** What was given up, in words for the user. */
  changes: string[]
}

/**
 * Tries each attempt in order while the failure is memory; any other failure ends the ladder at once.
 * @throws AppError 'load_failed' (not memory) | 'out_of_memory' (every attempt)
 */
export async function climbDown<T>(attempts: LoadAttempt[], create: (a: LoadAttempt) => Promise<T>): Promise<LadderResult<T>> {
  let lastError: unknown
  for (const attempt of attempts) {
    try {
      const value = await create(attempt)
      return { value, attempt, changes: attempt.change ? [`Not enough memory: ${attempt.change}.`] : [] }
    }
    catch (err) {
      if (!isOutOfMemory(err))
        throw new AppError('load_failed', `The model could not be loaded: ${errorText(err)}`, { cause: err })
      lastError = err
    }
  }
  throw new AppError('out_of_memory', `Even the smallest settings ran out of memory: ${errorText(lastError)}`, { cause: lastError })
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function isOutOfMemory(err: unknown): boolean {
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err)
  return /out of memory|memory access out of bounds|failed to allocate|could not allocate|allocation failed|\bOOM\b|Cannot enlarge memory/i.test(message)
}
