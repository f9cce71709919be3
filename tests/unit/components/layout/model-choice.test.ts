// @vitest-environment happy-dom
/**
 * One source for "which local model": the header's picker and Settings' "Model on this device" show the same model
 * (stores/models.ts chosenId), offer only downloaded models, and stay right after a delete; a finished download
 * becomes the chat's model only when none was chosen (issue 16 newcomer findings 1, 2 and 4). The library and the
 * engine are stubbed at their edges (OPFS, the worker): the stores, the picker and the Settings field are real.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import ModelPicker from '../../../../src/components/layout/ModelPicker.vue'
import SettingsModelChoice from '../../../../src/components/settings/SettingsModelChoice.vue'
import type { LoadedModel } from '../../../../src/contract/messages'
import type { ModelRef } from '../../../../src/contract/types'
import { RECOMMENDED_MODEL, catalogEntry } from '../../../../src/models/catalog'
import { AppError } from '../../../../src/shared/errors'
import type { StoredModel } from '../../../../src/models/manifest'
import type { WorkerService } from '../../../../src/services/local/worker-service'
import { useEngineStore } from '../../../../src/stores/engine'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'
import { useSettingsStore } from '../../../../src/stores/settings'

const STORIES = catalogEntry('ggml-org/models', 'stories260K.gguf', 1_185_376)
const TINY = catalogEntry('ggml-org/models', 'tiny.gguf', 2_000)
let host: HTMLElement | null = null

const storedModel = (ref: ModelRef): StoredModel => ({ ref, fileName: ref.file, sizeBytes: 1, sha256: 'ab', state: 'ready', hasChatTemplate: false, storedAt: 0 })

/** The stores with the library's files and the worker replaced by plain state: what is "on disk" is `library.entries`. */
function setup() {
  const library = useLibraryStore()
  const engine = useEngineStore()
  let current: LoadedModel | null = null
  vi.spyOn(library, 'refresh').mockResolvedValue()
  vi.spyOn(library, 'download').mockImplementation(async (ref: ModelRef) => {
    library.entries = [...library.entries, storedModel(ref)]
    return true
  })
  vi.spyOn(library, 'remove').mockImplementation(async (id: string) => {
    library.entries = library.entries.filter(e => e.ref.id !== id)
  })
  vi.spyOn(engine, 'claim').mockResolvedValue()
  vi.spyOn(engine, 'localService').mockReturnValue({
    initialize: async (ref: ModelRef) => { current = { model: ref } as LoadedModel },
    get loadedModel() { return current },
    dispose: async () => { current = null },
  } as unknown as WorkerService)
  return { library, models: useModelsStore(), settings: useSettingsStore() }
}

async function mountBoth() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)', component: { render: () => null } }] })
  host = document.createElement('div')
  document.body.append(host)
  createApp({ render: () => h('div', [h(ModelPicker), h(SettingsModelChoice)]) }).use(router).mount(host)
  await nextTick()
  const picker = host.querySelector<HTMLSelectElement>('[data-testid=model-picker]')!
  const field = host.querySelector<HTMLSelectElement>('[data-testid=setting-model-id]')!
  return {
    picker,
    field,
    /** The local model each shows, by id ('' for none). */
    shown: () => [picker.value.replace(/^local:/, ''), field.value],
    /** Each option's text, for spotting a model listed twice. */
    options: (select: HTMLSelectElement) => [...select.options].map(o => o.textContent!.trim()),
  }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => {
  host?.remove()
  vi.restoreAllMocks()
})

describe('the local model choice', () => {
  it('Settings offers only downloaded models and a way to the library; header and Settings show the same model', async () => {
    const { library, models, settings } = setup()
    library.entries = [storedModel(STORIES), storedModel(TINY)]
    const ui = await mountBoth()
    // Only what can answer now: the two stored models, not the catalog (a placeholder while none is chosen).
    expect(ui.options(ui.field)).toEqual(['Choose a model', 'stories260K', 'tiny'])
    expect(host!.querySelector('[data-testid=setting-get-models]')?.getAttribute('href')).toBe('/models')

    // Picked in Settings: it loads now, and the header shows it too; no reload is pending.
    ui.field.value = TINY.id
    ui.field.dispatchEvent(new Event('change'))
    await vi.waitFor(() => expect(models.loaded?.model.id).toBe(TINY.id))
    await nextTick()
    expect(ui.shown()).toEqual([TINY.id, TINY.id])
    expect(settings.modelId).toBe(TINY.id)
    expect(settings.pendingReload).toEqual([])

    // Picked in the header: Settings follows.
    ui.picker.value = `local:${STORIES.id}`
    ui.picker.dispatchEvent(new Event('change'))
    await vi.waitFor(() => expect(models.loaded?.model.id).toBe(STORIES.id))
    await nextTick()
    expect(ui.shown()).toEqual([STORIES.id, STORIES.id])
    expect(settings.modelId).toBe(STORIES.id)
  })

  it('after deleting the loaded model, or another one, each model is listed once and shown as it is', async () => {
    const { library, models } = setup()
    library.entries = [storedModel(STORIES), storedModel(TINY)]
    const ui = await mountBoth()
    await models.load(STORIES)
    await models.remove(TINY)
    await nextTick()
    expect(ui.options(ui.picker)).toEqual(['stories260K', 'Get more models…'])
    expect(ui.shown()).toEqual([STORIES.id, STORIES.id])

    library.entries = [storedModel(STORIES), storedModel(TINY)]
    await models.remove(STORIES)
    await nextTick()
    // Nothing is loaded now: a prompt to choose, and tiny once; never stories260K "not downloaded yet" beside it.
    expect(ui.options(ui.picker)).toEqual(['Choose a model', 'tiny', 'Get more models…'])
    expect(ui.shown()).toEqual(['', ''])
  })

  it('a finished download becomes the chat\'s model only when none is chosen; otherwise the chosen one stays', async () => {
    const { models } = setup()
    const ui = await mountBoth()
    // A first visit: nothing chosen, so the first download is the chat's model (the first-run flow relies on it).
    expect(await models.download(STORIES)).toBe(true)
    expect(models.loaded?.model.id).toBe(STORIES.id)
    // A model is chosen: a second download is stored and offered, not switched to.
    expect(await models.download(TINY)).toBe(true)
    await nextTick()
    expect(models.loaded?.model.id).toBe(STORIES.id)
    expect(ui.shown()).toEqual([STORIES.id, STORIES.id])
    expect(ui.options(ui.field)).toEqual(['stories260K', 'tiny'])
  })
  it('arrow keys over the header picker and the Settings field load nothing; Enter loads the highlighted model', async () => {
    const { library, models } = setup()
    library.entries = [storedModel(STORIES), storedModel(TINY)]
    const ui = await mountBoth()
    await models.load(STORIES)
    await nextTick()
    const load = vi.spyOn(models, 'load')
    /** What Chromium does on an arrow key over a closed select: keydown, the next option, then `change`. */
    const arrowTo = (select: HTMLSelectElement, value: string) => {
      select.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', cancelable: true }))
      select.value = value
      select.dispatchEvent(new Event('change'))
    }
    arrowTo(ui.picker, `local:${TINY.id}`)
    arrowTo(ui.picker, 'more')
    arrowTo(ui.field, TINY.id)
    await nextTick()
    expect(load).not.toHaveBeenCalled()
    expect(models.loaded?.model.id).toBe(STORIES.id)

    ui.field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }))
    await vi.waitFor(() => expect(models.loaded?.model.id).toBe(TINY.id))
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('the header picker and Settings name a model alike: no folder, no .gguf in any case', async () => {
    const { library } = setup()
    const upper = catalogEntry('someone/models', 'q8/Tiny-Chat.Q8_0.GGUF', 2_000)
    library.entries = [storedModel(STORIES), storedModel(upper)]
    const ui = await mountBoth()
    expect(ui.options(ui.field).slice(1)).toEqual(['stories260K', 'Tiny-Chat.Q8_0'])
    expect(ui.options(ui.picker).filter(o => o !== 'Choose a model' && o !== 'Get more models…')).toEqual(['stories260K', 'Tiny-Chat.Q8_0'])
  })

  it('a model the catalog knows is named by its label everywhere, before and after its download', async () => {
    const { library } = setup()
    library.entries = [storedModel(RECOMMENDED_MODEL)]
    const ui = await mountBoth()
    expect(ui.options(ui.field)).toContain(RECOMMENDED_MODEL.label)
    expect(ui.options(ui.picker)).toContain(RECOMMENDED_MODEL.label)
  })

  it.each(['openai-compat', 'gemini'] as const)('with %s answering, choosing a model in Settings makes it answer the next message, as the header does', async (backend) => {
    const { library, models, settings } = setup()
    library.entries = [storedModel(STORIES), storedModel(TINY)]
    settings.backend = backend
    const ui = await mountBoth()
    ui.field.value = TINY.id
    ui.field.dispatchEvent(new Event('change'))
    await vi.waitFor(() => expect(models.loaded?.model.id).toBe(TINY.id))
    expect(settings.backend).toBe('auto')
  })

  it('a model open in another tab is not a fault here: the load ends idle with busy_elsewhere, not in the error phase', async () => {
    const { library, models } = setup()
    library.entries = [storedModel(STORIES)]
    vi.mocked(useEngineStore().claim).mockRejectedValue(new AppError('busy_elsewhere'))
    expect(await models.load(STORIES)).toBe(false)
    expect(models.error?.code).toBe('busy_elsewhere')
    expect(models.phase).toBe('idle')
  })
})
