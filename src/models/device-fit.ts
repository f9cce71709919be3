/**
 * "Does this model fit this device?" for the library cards: memory (the device's RAM as the browser reports it, and
 * the 4 GiB ceiling of 32-bit WebAssembly memory), storage (what this site may still store) and the GPU path.
 * Pure: the caller passes what it read from `navigator.deviceMemory`, the storage estimate and the WebGPU probe.
 */
import { formatBytes } from '../shared/format'

/** wasm32 addresses at most 4 GiB: weights, KV cache and buffers must fit in it for the CPU path. */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 2 ** 30
/** llama.cpp's compute buffers and the runtime, on top of the weights, at a 2k context. */
const OVERHEAD_BYTES = 128 * 2 ** 20

export interface DeviceFacts {
  /** `navigator.deviceMemory`, in GiB (Chromium rounds down and caps it at 8); unset where the browser hides it. */
  deviceMemoryGiB?: number
  /** Bytes this site may still store (quota minus usage); unset while unknown. */
  freeStorageBytes?: number
  /** A WebGPU adapter with `shader-f16`, which llama.cpp's WebGPU path needs. */
  hasGpuPath: boolean
}

export type FitVerdict = 'fits' | 'tight' | 'too_big' | 'unknown'

export interface DeviceFit {
  verdict: FitVerdict
  /** Why, in words a person understands; empty when it simply fits. */
  reasons: string[]
  /** Where it would run. */
  runsOn: 'gpu' | 'cpu'
}

/** Memory the model needs: the catalog's estimate, else the file size plus overhead. */
export function memoryNeedBytes(model: { sizeBytes?: number, ramBytes?: number }): number | undefined {
  return model.ramBytes ?? (model.sizeBytes ? model.sizeBytes + OVERHEAD_BYTES : undefined)
}

const worse = (a: FitVerdict, b: FitVerdict): FitVerdict => {
  const order: FitVerdict[] = ['unknown', 'fits', 'tight', 'too_big']
  return order.indexOf(b) > order.indexOf(a) ? b : a
}

export function deviceFit(model: { sizeBytes?: number, ramBytes?: number }, device: DeviceFacts, isStored: boolean): DeviceFit {
  const reasons: string[] = []
  const runsOn = device.hasGpuPath ? 'gpu' : 'cpu'
  const need = memoryNeedBytes(model)
  let verdict: FitVerdict = need === undefined ? 'unknown' : 'fits'
  if (need !== undefined) {
    const ram = device.deviceMemoryGiB ? device.deviceMemoryGiB * 2 ** 30 : undefined
    if (runsOn === 'cpu' && need > WASM_MEMORY_LIMIT_BYTES) {
      verdict = 'too_big'
      reasons.push(`needs about ${formatBytes(need)} of memory; a browser tab can give WebAssembly at most 4 GiB`)
    }
    else if (ram && need > ram * 0.75) {
      verdict = 'too_big'
      reasons.push(`needs about ${formatBytes(need)} of memory; this device reports ${formatBytes(ram)}`)
    }
    else if (ram && need > ram * 0.4) {
      verdict = 'tight'
      reasons.push(`uses much of this device's ${formatBytes(ram)} of memory: close other heavy tabs`)
    }
  }
  const free = device.freeStorageBytes
  if (!isStored && model.sizeBytes && free !== undefined) {
    if (model.sizeBytes > free) {
      verdict = worse(verdict, 'too_big')
      reasons.push(`needs ${formatBytes(model.sizeBytes)} of storage; ${formatBytes(free)} is free for this site`)
    }
    else if (model.sizeBytes > free * 0.8) {
      verdict = worse(verdict, 'tight')
      reasons.push(`fills most of the ${formatBytes(free)} of storage left for this site`)
    }
  }
  return { verdict, reasons, runsOn }
}
