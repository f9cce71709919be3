// @vitest-environment happy-dom
/**
 * Deleting the model while it answers (a newcomer's report, item 6): after confirming, the card still said "Loaded",
 * Delete stayed enabled and the size still counted, then the model vanished silently when the answer ended. Delete
 * (and Delete all) wait while the loaded model answers, and say why; any other model can be deleted.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import ModelCard from '../../../../src/components/models/ModelCard.vue'
import StorageBar from '../../../../src/components/models/StorageBar.vue'
import type { LoadedModel } from '../../../../src/contract/messages'
import { catalogEntry } from '../../../../src/models/catalog'
import type { StoredModel } from '../../../../src/models/manifest'
import { useEngineStore } from '../../../../src/stores/engine'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'

const LOADED = catalogEntry('ggml-org/models', 'stories260K.gguf', 1_185_376)
const OTHER = catalogEntry('ggml-org/models', 'tiny.gguf', 2_000)
const stored = (ref: typeof LOADED): StoredModel => ({ ref, fileName: ref.file, sizeBytes: 1, sha256: 'ab', state: 'ready', hasChatTemplate: false, storedAt: 0 })
let host: HTMLElement | null = null
afterEach(() => host?.remove())

async function mount() {
  setActivePinia(createPinia())
  const library = useLibraryStore()
  library.entries = [stored(LOADED), stored(OTHER)]
  library.estimate = { usageBytes: 2, quotaBytes: 100 } as typeof library.estimate
  useModelsStore().loaded = { model: LOADED } as unknown as LoadedModel
  host = document.createElement('div')
  document.body.append(host)
  createApp({ render: () => h('div', [h(StorageBar), h('ul', [LOADED, OTHER].map(m => h(ModelCard, { model: m, isDefault: false })))]) }).mount(host)
  await nextTick()
  const card = (m: typeof LOADED) => host!.querySelector(`[data-model-id="${m.id}"]`)!
  const button = (m: typeof LOADED) => card(m).querySelector<HTMLButtonElement>('[data-testid=delete]')!
  return { card, button, clearAll: () => host!.querySelector<HTMLButtonElement>('[data-testid=clear-all]')! }
}

describe('Delete while the model answers', () => {
  it('waits for the answer to end and says why; the other model and an idle model can be deleted', async () => {
    const { card, button, clearAll } = await mount()
    expect(button(LOADED).disabled).toBe(false)
    useEngineStore().queue = { running: [{ id: 'chat-1', priority: 'interactive', waitMs: 0 }], waiting: [] }
    await nextTick()
    expect(button(LOADED).disabled).toBe(true)
    expect(card(LOADED).querySelector('[data-testid=delete-why]')?.textContent).toMatch(/answering now: stop the answer/)
    expect(button(OTHER).disabled).toBe(false)
    expect(card(OTHER).querySelector('[data-testid=delete-why]')).toBeNull()
    expect(clearAll().disabled).toBe(true)

    useEngineStore().queue = { running: [], waiting: [] }
    await nextTick()
    expect(button(LOADED).disabled).toBe(false)
    expect(clearAll().disabled).toBe(false)
  })
})
