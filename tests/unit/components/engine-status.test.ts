// @vitest-environment jsdom
/** The Performance screen's engine section says "No WebGPU" once (a newcomer saw it twice: the load's note and the GPU line). */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import EngineStatus from '../../../src/components/engine/EngineStatus.vue'
import type { LoadedModel, WorkerEnvironment } from '../../../src/contract/messages'
import { useEngineStore } from '../../../src/stores/engine'
import { useModelsStore } from '../../../src/stores/models'
import { freshPinia, mountWithPinia } from './mount'

describe('EngineStatus', () => {
  it('with no WebGPU adapter, says so once; the load\'s other notes stay', async () => {
    const pinia = freshPinia()
    useEngineStore().env = { gpu: { hasAdapter: false, reason: 'no adapter', features: [] } } as unknown as WorkerEnvironment
    const reduced = 'The context was reduced from 8192 to 2048 tokens: the model was trained on 2048 tokens.'
    useModelsStore().loaded = {
      model: { id: 'm', repo: 'r', file: 'm.gguf' }, backend: 'cpu', gpuLayers: 0, threads: 1, threadSource: 'single', nCtx: 2048,
      notes: ['No WebGPU adapter: running on the CPU.', reduced],
    } as unknown as LoadedModel
    const el = await mountWithPinia(EngineStatus, pinia)
    expect(el.textContent?.match(/No WebGPU/g)).toHaveLength(1)
    expect([...el.querySelectorAll('[data-testid=engine-note]')].map(n => n.textContent?.trim())).toEqual([reduced])
  })
})
