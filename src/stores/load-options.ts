import type { LoadOptions } from '../services/local/worker-service'
import type { UserSettings } from './settings-schema'

/**
 * What a local load takes from Settings (and the deployment's probe threshold, bytes), as the worker's LoadRequest:
 * context size, threads when set, GPU layers (0 for CPU only), chat template when set, idle unload in milliseconds.
 */
export function loadOptionsFrom(s: Pick<UserSettings, 'backend' | 'nCtx' | 'nThreads' | 'gpuMode' | 'gpuLayers' | 'chatTemplate' | 'idleUnloadMinutes'>, threadProbeMaxBytes?: number): LoadOptions {
  const isCpuOnly = s.gpuMode === 'cpu' || s.backend === 'local-cpu'
  return {
    nCtx: s.nCtx,
    ...(s.nThreads > 0 && { nThreads: s.nThreads }),
    ...(threadProbeMaxBytes !== undefined && { threadProbeMaxBytes }),
    // CPU only (Run on, or the Local CPU backend) is 0 layers; otherwise the GPU layers setting, where -1 (the
    // default) leaves "as many as fit" to the engine.
    ...(isCpuOnly ? { nGpuLayers: 0 } : s.gpuLayers >= 0 && { nGpuLayers: s.gpuLayers }),
    ...(s.chatTemplate && { chatTemplate: s.chatTemplate }),
    idleUnloadMs: s.idleUnloadMinutes * 60_000,
  }
}
