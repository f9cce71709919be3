import { describe, expect, it } from 'vitest'
import { deviceFit, memoryNeedBytes, WASM_MEMORY_LIMIT_BYTES } from '../../../src/models/device-fit'

const GiB = 2 ** 30
const MiB = 2 ** 20

describe('deviceFit', () => {
  it('a small model fits a laptop, on the CPU without WebGPU', () => {
    expect(deviceFit({ sizeBytes: 100 * MiB }, { deviceMemoryGiB: 8, freeStorageBytes: 10 * GiB, hasGpuPath: false }, false))
      .toEqual({ verdict: 'fits', reasons: [], runsOn: 'cpu' })
  })

  it('more than 4 GiB cannot run on the CPU path, whatever the RAM; the GPU path is not bound by it', () => {
    const big = { ramBytes: WASM_MEMORY_LIMIT_BYTES + GiB }
    expect(deviceFit(big, { deviceMemoryGiB: 32, hasGpuPath: false }, true)).toMatchObject({ verdict: 'too_big', reasons: [expect.stringMatching(/at most 4 GiB/)] })
    expect(deviceFit(big, { deviceMemoryGiB: 32, hasGpuPath: true }, true)).toMatchObject({ verdict: 'fits', runsOn: 'gpu' })
  })

  it('the device\'s reported memory decides between fits, tight and too big', () => {
    const device = { deviceMemoryGiB: 4, hasGpuPath: false }
    expect(deviceFit({ ramBytes: 1 * GiB }, device, true).verdict).toBe('fits')
    expect(deviceFit({ ramBytes: 2 * GiB }, device, true)).toMatchObject({ verdict: 'tight', reasons: [expect.stringMatching(/close other heavy tabs/)] })
    expect(deviceFit({ ramBytes: 3.5 * GiB }, device, true)).toMatchObject({ verdict: 'too_big', reasons: [expect.stringMatching(/this device reports 4\.0 GiB/)] })
  })

  it('storage: a download larger than the free space is too big; a stored model does not need the space again', () => {
    const device = { deviceMemoryGiB: 8, freeStorageBytes: 500 * MiB, hasGpuPath: false }
    expect(deviceFit({ sizeBytes: 800 * MiB }, device, false)).toMatchObject({ verdict: 'too_big', reasons: [expect.stringMatching(/of storage/)] })
    expect(deviceFit({ sizeBytes: 450 * MiB }, device, false).verdict).toBe('tight')
    expect(deviceFit({ sizeBytes: 800 * MiB }, device, true).verdict).toBe('fits')
  })

  it('without a size or estimate the verdict is unknown, not a guess', () => {
    expect(deviceFit({}, { hasGpuPath: false }, false).verdict).toBe('unknown')
    expect(memoryNeedBytes({ sizeBytes: 100 })).toBeGreaterThan(100)
  })
})
