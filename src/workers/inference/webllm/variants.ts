/**
 * Which WebLLM (MLC) models this GPU can run, decided before anything is downloaded. Pure functions over a
 * {@link GpuProbe}; the only web-llm import is a type, so this module costs nothing at runtime.
 *
 * MLC model ids carry their quantization as a dash-separated segment: `Llama-3.2-1B-Instruct-q4f16_1-MLC`,
 * `SmolLM2-360M-Instruct-q0f32-MLC`, `gemma-2-2b-it-q4f32_1-MLC-1k`. `f16` variants compute in 16-bit floats and need
 * the WebGPU feature `shader-f16`; `f32` variants run on any WebGPU adapter.
 */
import type { ModelRecord } from '@mlc-ai/web-llm'
import type { GpuProbe } from '../../../shared/webgpu-probe'

export { probeWebGpu, type GpuAdapterLike, type GpuLike, type GpuProbe } from '../../../shared/webgpu-probe'

export type ModelRecordLike = Pick<ModelRecord, 'model_id'> & Partial<Pick<ModelRecord,
  'model' | 'model_lib' | 'vram_required_MB' | 'low_resource_required' | 'buffer_size_required_bytes'
  | 'required_features' | 'model_type' | 'overrides'>>

export type SupportVerdict = { ok: true } | { ok: false, code: 'unsupported_device', message: string }

/** The WebGPU surface {@link probeWebGpu} uses; `navigator.gpu` fits, and so does a test fake. */
const SHADER_F16 = 'shader-f16'
const MIB = 2 ** 20
/**
 * web-llm asks the device for a 1 GiB storage binding when the adapter allows it and otherwise falls back to
 * 128 MiB, and for a 1 GiB buffer with a 256 MiB fallback (`detectGPUDevice` in web-llm's bundled tvmjs runtime).
 * Below the fallbacks it cannot start at all.
 */
const WEBLLM_BINDING_BYTES = { preferred: 1024 * MIB, fallback: 128 * MIB }
const WEBLLM_MIN_BUFFER_BYTES = 256 * MIB

/** The quantization segment of an MLC model id, e.g. `q4f16_1`; undefined when the id has none. */
export function quantizationOf(modelId: string): string | undefined {
  return /(?:^|-)(q\d+b?f\d+(?:_\d+)?)(?=-|$)/.exec(modelId)?.[1]
}

/** The model computes in 16-bit floats (any `f16` quantization), so the GPU needs `shader-f16`. */
export function needsShaderF16(modelId: string): boolean {
  return quantizationOf(modelId)?.includes('f16') ?? false
}

/** WebGPU features the model needs: its record's `required_features`, plus `shader-f16` for f16 quantizations. */
export function requiredFeaturesOf(record: ModelRecordLike): string[] {
  const features = new Set(record.required_features ?? [])
  if (needsShaderF16(record.model_id))
    features.add(SHADER_F16)
  return [...features]
}

/** The same model in 32-bit floats (`q4f16_1` -> `q4f32_1`) when `list` has it. */
export function f32AlternativeOf<T extends ModelRecordLike>(modelId: string, list: readonly T[]): T | undefined {
  const quant = quantizationOf(modelId)
  if (!quant?.includes('f16'))
    return undefined
  const wanted = modelId.replace(`-${quant}`, `-${quant.replace('f16', 'f32')}`)
  return list.find(m => m.model_id === wanted)
}

/**
 * The storage-buffer binding size web-llm will get on this GPU, in bytes; undefined when the probe does not know
 * the adapter's limit.
 */
export function effectiveBindingBytes(probe: GpuProbe): number | undefined {
  const limit = probe.maxStorageBufferBindingSizeBytes
  if (limit === undefined)
    return undefined
  if (limit >= WEBLLM_BINDING_BYTES.preferred)
    return WEBLLM_BINDING_BYTES.preferred
  return limit >= WEBLLM_BINDING_BYTES.fallback ? WEBLLM_BINDING_BYTES.fallback : 0
}

/**
 * Whether this GPU can run the model, checked before any download. `list` is where an f32 alternative is looked
 * up for the message.
 */
export function checkModelSupported(record: ModelRecordLike, probe: GpuProbe, list: readonly ModelRecordLike[] = []): SupportVerdict {
  const no = (message: string): SupportVerdict => ({ ok: false, code: 'unsupported_device', message })
  if (!probe.hasAdapter)
    return no(`WebLLM needs WebGPU. ${probe.reason ?? 'This browser has no WebGPU adapter.'}`)
  const missing = requiredFeaturesOf(record).filter(f => !probe.features.includes(f))
  if (missing.includes(SHADER_F16)) {
    const alt = f32AlternativeOf(record.model_id, list)
    const next = alt ? `Use ${alt.model_id} instead.` : 'Pick a variant whose name contains q4f32_1 or q0f32.'
    return no(`This model needs 16-bit float shaders (shader-f16), which this GPU does not offer. ${next}`)
  }
  if (missing.length > 0)
    return no(`This model needs the WebGPU feature ${missing.join(', ')}, which this GPU does not offer.`)
  return checkLimits(record, probe, no)
}

function checkLimits(record: ModelRecordLike, probe: GpuProbe, no: (message: string) => SupportVerdict): SupportVerdict {
  if (probe.maxBufferSizeBytes !== undefined && probe.maxBufferSizeBytes < WEBLLM_MIN_BUFFER_BYTES)
    return no(`WebLLM needs GPU buffers of ${toMB(WEBLLM_MIN_BUFFER_BYTES)} MB; this GPU allows ${toMB(probe.maxBufferSizeBytes)} MB.`)
  const binding = effectiveBindingBytes(probe)
  if (binding === 0)
    return no(`WebLLM needs GPU storage bindings of ${toMB(WEBLLM_BINDING_BYTES.fallback)} MB; this GPU allows ${toMB(probe.maxStorageBufferBindingSizeBytes ?? 0)} MB.`)
  const neededBytes = record.buffer_size_required_bytes
  if (binding !== undefined && neededBytes !== undefined && neededBytes > binding)
    return no(`This model needs GPU storage bindings of ${toMB(neededBytes)} MB; WebLLM gets ${toMB(binding)} MB on this GPU. Pick another model.`)
  const neededMB = record.vram_required_MB
  if (probe.vramBudgetMB !== undefined && neededMB !== undefined && neededMB > probe.vramBudgetMB)
    return no(`This model needs about ${Math.ceil(neededMB)} MB of GPU memory; the budget is ${probe.vramBudgetMB} MB. Pick a smaller model.`)
  return { ok: true }
}

/** The models of `list` this GPU can run: without `shader-f16` only f32 variants, and only those within its limits. */
export function compatibleModels<T extends ModelRecordLike>(list: readonly T[], probe: GpuProbe): T[] {
  return list.filter(m => checkModelSupported(m, probe).ok)
}

/** The model answers chat requests; web-llm's embedding models (`model_type` 1) do not. */
export function isChatModel(record: ModelRecordLike): boolean {
  // ModelType.embedding is 1; compared as a number so this module needs no runtime import of web-llm.
  return (record.model_type as number | undefined) !== 1
}

function toMB(bytes: number): number {
  return Math.round(bytes / MIB)
}

