/**
 * How a GGUF is loaded on this device: CPU or WebGPU, and what to give up when memory runs short. Pure functions,
 * so the rules are unit-tested without a browser.
 */
import { AppError } from '../../protocol/errors'

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
export function chooseBackend(requestedLayers: number | undefined, gpu: GpuInfo): BackendChoice {
  if (requestedLayers === 0)
    return { backend: 'cpu', gpuLayers: 0 }
  if (!gpu.hasAdapter)
    return { backend: 'cpu', gpuLayers: 0, note: 'No WebGPU adapter: running on the CPU.' }
  if (!gpu.features.includes('shader-f16'))
    return { backend: 'cpu', gpuLayers: 0, note: 'This GPU lacks 16-bit float shaders (shader-f16), which llama.cpp\'s WebGPU backend needs: running on the CPU.' }
  return { backend: 'webgpu', gpuLayers: requestedLayers ?? ALL_LAYERS }
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
  const smallest = Math.max(minCtx, Math.min(nCtx, minCtx))
  if (gpuLayers > 0) {
    attempts.push({ nCtx: smallest, gpuLayers: Math.floor(gpuLayers / 2), change: `context reduced to ${smallest} tokens and half the layers moved to the CPU` })
    attempts.push({ nCtx: smallest, gpuLayers: 0, change: `context reduced to ${smallest} tokens and the model moved to the CPU` })
  }
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

/** @throws AppError 'unsupported_device' when the model cannot fit in this device's or WebAssembly's memory. */
export function assertFits(f: FitInput): void {
  const needed = f.fileBytes + kvCacheBytes(f)
  const deviceBytes = f.deviceMemoryGiB ? f.deviceMemoryGiB * 2 ** 30 : Infinity
  // Leave half of the device to the browser and the OS.
  const limit = Math.min(WASM_MAX_BYTES, deviceBytes / 2)
  if (needed > limit) {
    const gib = (n: number) => (n / 2 ** 30).toFixed(1)
    throw new AppError('unsupported_device', `This model needs about ${gib(needed)} GiB with a ${f.nCtx}-token context, but this device can give it about ${gib(limit)} GiB. Pick a smaller model (fewer parameters or a smaller quantization) or a smaller context.`)
  }
}

export function isOutOfMemory(err: unknown): boolean {
  const message = err instanceof Error ? `${err.name} ${err.message}` : String(err)
  return /out of memory|memory access out of bounds|failed to allocate|alloc|OOM|Cannot enlarge memory/i.test(message)
}
