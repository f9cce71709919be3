// @vitest-environment happy-dom
/**
 * A model card shows the progress of what really happens to it (issue 16: a model loading at page open showed a
 * "0 B of 0 B · 0%" download row): a load shows load progress only, a download its download row.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import ModelCard from '../../../../src/components/models/ModelCard.vue'
import type { Progress } from '../../../../src/contract/types'
import { catalogEntry } from '../../../../src/models/catalog'
import type { WorkerService } from '../../../../src/services/local/worker-service'
import { useEngineStore } from '../../../../src/stores/engine'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'

const MODEL = catalogEntry('ggml-org/models', 'stories260K.gguf', 1_185_376)
let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
  vi.restoreAllMocks()
})

async function mountCard() {
  setActivePinia(createPinia())
  host = document.createElement('div')
  document.body.append(host)
  createApp({ render: () => h('ul', [h(ModelCard, { model: MODEL, isDefault: true })]) }).mount(host)
  await nextTick()
  return host
}

describe('ModelCard progress', () => {
  it('a load shows load progress, never a download row; a download shows its row', async () => {
    const el = await mountCard()
    const engine = useEngineStore()
    let report: (p: Progress) => void = () => {}
    vi.spyOn(engine, 'claim').mockResolvedValue()
    // A load that reports llama.cpp's size-less steps, then a size, and does not end during the test.
    vi.spyOn(engine, 'localService').mockReturnValue({
      initialize: (_ref: unknown, opts: { onProgress: (p: Progress) => void }) => {
        report = opts.onProgress
        report({ phase: 'load', loadedBytes: 0, totalBytes: 0, bytesPerSecond: 0 })
        return new Promise(() => {})
      },
    } as unknown as WorkerService)
    void useModelsStore().load(MODEL)
    await vi.waitFor(() => expect(el.querySelector('[data-testid=model-state]')?.textContent).toBe('Loading…'))
    await nextTick()
    expect(el.querySelector('[data-testid=download-progress]')).toBeNull()
    expect(el.querySelector('[data-testid=load-stats]')?.textContent).toBe('Reading the model into memory…')
    report({ phase: 'load', loadedBytes: 250, totalBytes: 1000, bytesPerSecond: 0 })
    await nextTick()
    expect(el.querySelector('[data-testid=download-progress]')).toBeNull()
    expect(el.querySelector('[data-testid=load-stats]')?.textContent).toMatch(/^Read into memory: 25% of /)

    const models = useModelsStore()
    models.phase = 'downloading'
    useLibraryStore().progress = { phase: 'download', loadedBytes: 10, totalBytes: 100, bytesPerSecond: 5 }
    await nextTick()
    expect(el.querySelector('[data-testid=download-stats]')?.textContent).toMatch(/10%/)
    expect(el.querySelector('[data-testid=load-progress]')).toBeNull()
  })
})
