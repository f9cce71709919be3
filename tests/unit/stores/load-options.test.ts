/** The load request a local model gets from Settings: every load-related field reaches the worker. */
import { describe, expect, it } from 'vitest'
import { loadOptionsFrom } from '../../../src/stores/models'
import { DEFAULT_SETTINGS } from '../../../src/stores/settings-schema'

describe('loadOptionsFrom', () => {
  it('the defaults: context, idle unload; threads, GPU layers and template left to the engine', () => {
    expect(loadOptionsFrom(DEFAULT_SETTINGS)).toEqual({ nCtx: DEFAULT_SETTINGS.nCtx, idleUnloadMs: DEFAULT_SETTINGS.idleUnloadMinutes * 60_000 })
  })

  it('passes threads, the chat template and the probe threshold when set', () => {
    expect(loadOptionsFrom({ ...DEFAULT_SETTINGS, nThreads: 2, chatTemplate: 'chatml' }, 0)).toMatchObject({ nThreads: 2, chatTemplate: 'chatml', threadProbeMaxBytes: 0 })
  })

  it.each([
    ['auto', -1, undefined],
    ['auto', 12, 12],
    ['auto', 0, 0],
    ['cpu', -1, 0],
    ['cpu', 12, 0],
  ] as const)('Run on %s with GPU layers %i asks for %s layers', (gpuMode, gpuLayers, expected) => {
    expect(loadOptionsFrom({ ...DEFAULT_SETTINGS, gpuMode, gpuLayers }).nGpuLayers).toBe(expected)
  })

  it('the Local CPU backend runs on the CPU whatever Run on says', () => {
    expect(loadOptionsFrom({ ...DEFAULT_SETTINGS, backend: 'local-cpu', gpuMode: 'auto', gpuLayers: 12 }).nGpuLayers).toBe(0)
  })
})
