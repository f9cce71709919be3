/**
 * What WebGPU offers on this device, asked once and shared by every engine: wllama (llama.cpp's WebGPU backend needs
 * `shader-f16`) and WebLLM (f16 models need it too; buffer limits decide what fits). Never throws.
 */
/** What the GPU offers, as far as WebGPU tells. */
export interface GpuProbe {
  /** `navigator.gpu.requestAdapter()` returned an adapter. */
  hasAdapter: boolean
  /** Adapter features, e.g. `shader-f16`, `subgroups`. */
  features: string[]
  /** Adapter `limits.maxBufferSize`, in bytes. */
  maxBufferSizeBytes?: number
  /** Adapter `limits.maxStorageBufferBindingSize`, in bytes. */
  maxStorageBufferBindingSizeBytes?: number
  /** Adapter `info.vendor`, e.g. `nvidia`; may be empty. */
  vendor?: string
  /** Adapter `info.architecture`, e.g. `ampere`; may be empty. */
  architecture?: string
  /**
   * GPU memory the caller allows a model, in MB. WebGPU does not report VRAM, so the probe never sets this; a caller
   * that knows (a setting, a benchmark) does, and models whose `vram_required_MB` exceeds it are dropped.
   */
  vramBudgetMB?: number
  /** Why there is no adapter, in words a user understands. Set only when `hasAdapter` is false. */
  reason?: string
}

/** The fields of web-llm's `ModelRecord` these checks read; a full `ModelRecord` fits. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>
}

export interface GpuAdapterLike {
  features: Iterable<string>
  limits: { maxBufferSize?: number, maxStorageBufferBindingSize?: number }
  info?: { vendor?: string, architecture?: string }
}

/**
 * Asks the browser for a high-performance adapter and reads its features, limits and info. Never throws: without
 * WebGPU it returns `hasAdapter: false` and a `reason`.
 */
export async function probeWebGpu(
  gpu: GpuLike | undefined = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu,
): Promise<GpuProbe> {
  if (!gpu)
    return { hasAdapter: false, features: [], reason: 'This browser does not offer WebGPU (navigator.gpu is missing).' }
  let adapter: GpuAdapterLike | null
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  }
  catch (err) {
    return { hasAdapter: false, features: [], reason: `The WebGPU adapter request failed: ${messageOf(err)}` }
  }
  if (!adapter)
    return { hasAdapter: false, features: [], reason: 'WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled).' }
  return {
    hasAdapter: true,
    features: [...adapter.features].sort(),
    maxBufferSizeBytes: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSizeBytes: adapter.limits.maxStorageBufferBindingSize,
    vendor: adapter.info?.vendor,
    architecture: adapter.info?.architecture,
  }
}

let once: { gpu: GpuLike | undefined, probe: Promise<GpuProbe> } | undefined

/**
 * {@link probeWebGpu} asked once per `navigator.gpu` (the inference worker asks at start for its environment, then at
 * every load): `requestAdapter()` took part of each load's header-check step, and what the GPU offers does not change
 * while the worker lives (a lost device restarts the worker, which asks again).
 */
export function probeWebGpuOnce(): Promise<GpuProbe> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu
  if (once?.gpu !== gpu || !once)
    once = { gpu, probe: probeWebGpu(gpu) }
  return once.probe
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
