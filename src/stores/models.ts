import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ModelRef, Progress } from '../contract/types'
import { PUBLIC_CATALOG, RECOMMENDED_MODEL, catalogEntry, modelRef, toModelRef, type CatalogEntry } from '../models/catalog'
import { URL_REPO } from '../downloads/stored-files'
import { forgetUrlModel, rememberUrlModel, savedUrlModels } from '../models/url-models'
import { downloadReachError } from '../composables/url-reach'
import { hubFileUrl } from '../models/hub-url'
import type { LoadedModel } from '../contract/messages'
import { hostOf } from '../shared/origin'
import { AppError, toAppError } from '../shared/errors'
import { useEngineStore } from './engine'
import { useLibraryStore } from './library'
import { useSettingsStore } from './settings'
import { loadOptionsFrom } from './load-options'
import { readServerConfig, serverCatalog } from './server-catalog'
import { useHubAvailability } from './models-availability'

const LAST_MODEL_KEY = 'local-ai:last-model'

export type ModelPhase = 'idle' | 'downloading' | 'loading' | 'ready' | 'error'

export { loadOptionsFrom } from './load-options'

/** The catalog, what is stored in this browser, the download in progress and the loaded model. */
export const useModelsStore = defineStore('models', () => {
  const settings = useSettingsStore()
  const engine = useEngineStore()
  const library = useLibraryStore()
  const catalog = ref<CatalogEntry[]>(PUBLIC_CATALOG)
  const defaultModelId = ref<string | undefined>(RECOMMENDED_MODEL.id)
  /** Whether the configured hub has each catalog file, by model id (models-availability.ts). */
  const { availability, checkAvailability, availabilityOf } = useHubAvailability(catalog, settings, library)
  const phase = ref<ModelPhase>('idle')
  const activeId = ref<string | undefined>()
  const loadProgress = ref<Progress | null>(null)
  /** Download or verify progress from the library, else load progress. */
  const progress = computed(() => library.progress ?? loadProgress.value)
  const error = ref<AppError | null>(null)
  const loaded = ref<LoadedModel | null>(null)
  /** When this tab's model became the loaded one (epoch ms; 0 while none): a failed reply written after it came from another tab. */
  const loadedAt = ref(0)
  watch(loaded, (m) => { loadedAt.value = m ? loadedAt.value || Date.now() : 0 })
  /** The model loaded last (kept in localStorage), for the next opening. */
  const lastUsedId = ref(globalThis.localStorage?.getItem(LAST_MODEL_KEY) ?? '')
  let threadProbeMaxBytes: number | undefined

  engine.useLoadOptions(() => loadOptionsFrom(settings, threadProbeMaxBytes))

  // The engine may settle its thread count after a chat (worker-service.ts noteThreads): the Performance screen follows.
  watch(() => engine.metrics, () => {
    const now = loaded.value && engine.localService().loadedModel
    if (now && now !== loaded.value && now.model.id === loaded.value?.model.id)
      loaded.value = now
  })

  engine.whenTakenOver(() => {
    loaded.value = null
    phase.value = 'idle'
  })

  /** The loaded model answers (or a request waits): a delete could only act after it, so Delete waits and says why. */
  const isAnswering = computed(() => !!loaded.value && engine.queue.running.length + engine.queue.waiting.length > 0)

  const defaultModel = computed(() => catalog.value.find(m => m.id === defaultModelId.value))
  /** Verified models whose files are present. */
  const stored = computed(() => library.ready)
  const storedById = computed(() => new Map(stored.value.map(s => [s.ref.id, s])))
  /** The catalog, plus every stored or partial model it does not list (so a download never disappears from view). */
  const offered = computed<CatalogEntry[]>(() => [
    ...catalog.value,
    ...library.entries.filter(s => !catalog.value.some(c => c.id === s.ref.id))
      .map(s => ({ ...catalogEntry(s.ref.repo, s.ref.file, s.sizeBytes), ...s.ref })),
  ])

  /**
   * Reads the server's config and what is stored, then loads from OPFS the model Settings names, or (setting empty,
   * or that model no longer stored) the last one used. Settings are hydrated before this runs (App.vue).
   */
  async function init(): Promise<void> {
    await Promise.all([applyServerConfig(), library.refresh(), engine.readEnv()])
    for (const url of await savedUrlModels())
      void addUrl(url, true)
    void checkAvailability()
    const entry = chosenId.value ? storedById.value.get(chosenId.value) : undefined
    if (entry)
      await load(entry.ref)
  }

  /**
   * The local model chosen for the chat, the one source the header's picker and Settings both show: the loaded (or
   * loading) model, else the stored model Settings names, else the last one used; undefined when none is chosen yet
   * (a first visit, or the chosen model was deleted). Every load writes it to Settings.
   */
  const chosenId = computed<string | undefined>(() => {
    if (loaded.value)
      return loaded.value.model.id
    if (phase.value === 'loading' && activeId.value)
      return activeId.value
    return [settings.modelId, lastUsedId.value].find(id => id && storedById.value.has(id))
  })

  /** The server's mirror and models; the last answer is kept so the app opens the same way offline. */
  async function applyServerConfig(): Promise<void> {
    const config = await readServerConfig()
    if (config.threadProbeMaxBytes !== undefined)
      threadProbeMaxBytes = config.threadProbeMaxBytes
    const fromServer = serverCatalog(config)
    if (fromServer) {
      settings.serverHubUrl = fromServer.hubUrl
      catalog.value = fromServer.catalog
      if (fromServer.defaultModelId)
        defaultModelId.value = fromServer.defaultModelId
    }
  }


  async function run(id: string, next: ModelPhase, work: () => Promise<void>): Promise<boolean> {
    activeId.value = id
    phase.value = next
    error.value = null
    loadProgress.value = null
    try {
      await work()
      phase.value = 'ready'
      return true
    }
    catch (err) {
      error.value = toAppError(err)
      // Stopped, or the model is open in another tab (the error offers to take it over): nothing is broken here.
      phase.value = error.value.code === 'aborted' || error.value.code === 'busy_elsewhere' ? 'idle' : 'error'
      return false
    }
    finally {
      loadProgress.value = null
    }
  }

  /**
   * Downloads (or resumes) into OPFS and verifies; then loads it only when no other model is chosen (a first visit:
   * the first-run flow relies on it) or it is the chosen one: a download never switches the chat's model unasked,
   * the card offers "Use this model" instead.
   * @returns true when downloaded (and loaded, when it was to be)
   */
  async function download(ref: ModelRef): Promise<boolean> {
    const ok = await run(ref.id, 'downloading', async () => {
      if (!await library.download(ref, settings.hubUrl)) {
        // The bytes may come from a CDN the host redirects to, which the page's policy refused: say so, and what to do.
        const isUrl = ref.repo === URL_REPO
        const reach = library.error?.code === 'download_failed' ? await downloadReachError(isUrl ? ref.file : hubFileUrl(ref, settings.hubUrl), isUrl) : undefined
        throw reach ?? library.error ?? new AppError('aborted')
      }
    })
    const isToUse = !chosenId.value || chosenId.value === ref.id
    return ok && isToUse ? load(ref) : ok
  }

  function cancelDownload(): void {
    library.cancel()
  }

  /** The catalog entry of the loaded local model, else of the model the first message would set up. */
  const samplingModel = computed(() => catalog.value.find(m => m.id === (loaded.value?.model.id ?? defaultModelId.value)))

  /** The label of the model being downloaded or loaded (for the chat's progress line). */
  const activeLabel = computed(() => offered.value.find(m => m.id === activeId.value)?.label ?? activeId.value)

  /** Loads a stored model in the inference worker. */
  async function load(ref: ModelRef): Promise<boolean> {
    // The model loaded is the chosen one, wherever it was picked (header, Settings, library): one source, saved at
    // once so the next opening loads it even if this page closes before the load ends.
    settings.modelId = ref.id
    const ok = await run(ref.id, 'loading', async () => {
      // The service finds the file in the manifest and refuses a model that is not downloaded.
      await engine.claim()
      loaded.value = null
      const service = engine.localService()
      await service.initialize(toModelRef(ref), { onProgress: (p) => { loadProgress.value = p } })
      loaded.value = service.loadedModel
      localStorage.setItem(LAST_MODEL_KEY, ref.id)
      lastUsedId.value = ref.id
    })
    // A failed cheap check (file evicted or damaged) shows on the card; a load also updates last-used.
    await library.refresh()
    return ok
  }

  /** Resolves when no download or load is running (one started from the library, say). */
  function settled(): Promise<void> {
    if (phase.value !== 'downloading' && phase.value !== 'loading')
      return Promise.resolve()
    return new Promise((resolve) => {
      const stopWatching = watch(phase, (p) => {
        if (p !== 'downloading' && p !== 'loading') {
          stopWatching()
          resolve()
        }
      })
    })
  }

  /**
   * The local model the chat would use with no other click: the one Settings names, else the last one used, else the
   * recommended one, if stored; undefined when the recommended model must be downloaded first.
   */
  function modelToPrepare(): { ref: CatalogEntry, isStored: boolean } | undefined {
    const stored = storedById.value.get(chosenId.value ?? '') ?? (defaultModelId.value ? storedById.value.get(defaultModelId.value) : undefined)
    if (stored)
      return { ref: { ...catalogEntry(stored.ref.repo, stored.ref.file, stored.sizeBytes), ...stored.ref }, isStored: true }
    const recommended = defaultModel.value
    return recommended && availabilityOf(recommended.id) !== 'missing' ? { ref: recommended, isStored: false } : undefined
  }

  /** A first message can set up a local model by itself (see ensureLocalModel). */
  const canPrepare = computed(() => !!loaded.value || modelToPrepare() !== undefined)
  /** What the next message sets up when no model is loaded (modelToPrepare, reactive): load `ref`, or download it. */
  const nextToPrepare = computed(() => modelToPrepare())

  /**
   * Makes a local model ready for the chat with no other click: waits for a download or load already running, else
   * loads the stored model (modelToPrepare), else downloads the recommended model and loads it; progress shows through
   * `phase` and `progress`. A Stop (`signal`) cancels a download (kept, resumable); a load runs to its end.
   * @returns true when a model is loaded; false with `error` set (`aborted` leaves it null) otherwise
   */
  async function ensureLocalModel(signal?: AbortSignal): Promise<boolean> {
    await settled()
    if (loaded.value)
      return true
    if (signal?.aborted)
      return false
    const next = modelToPrepare()
    if (!next) {
      const recommended = defaultModel.value
      error.value = new AppError('model_not_found', recommended
        ? `${recommended.label} is not on this model hub (${hostOf(settings.hubUrl)}). Open Models and choose another model, or set the hub address in Settings.`
        : 'No model is chosen yet. Open Models and download one.')
      return false
    }
    const onAbort = () => library.cancel()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return next.isStored ? await load(next.ref) : await download(next.ref)
    }
    finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Moves the engine from another tab to this one, then loads `ref` here. */
  async function takeOverAndLoad(ref: ModelRef): Promise<boolean> {
    await engine.takeOver()
    return load(ref)
  }

  /** Offers any GGUF file of any hub repo. */
  function addCustom(repo: string, file: string, sizeBytes?: number): void {
    const entry = catalogEntry(repo, file, sizeBytes)
    if (!catalog.value.some(m => m.id === entry.id))
      catalog.value.unshift(entry)
  }

  /** Offers a GGUF at a direct http(s) URL, remembered for the next page loads (models/url-models.ts). */
  function addUrl(url: string, isRemembered = false): Promise<void> {
    const entry = { ...catalogEntry(URL_REPO, url), ...modelRef(URL_REPO, url, 'url'), label: url.split('/').pop() ?? url }
    if (!catalog.value.some(m => m.id === entry.id))
      catalog.value.unshift(entry)
    return isRemembered ? Promise.resolve() : rememberUrlModel(url).catch((err: unknown) => console.warn('Could not remember the model URL', err))
  }

  /** Copies a picked or dropped `.gguf` into the library. */
  async function importFile(file: File): Promise<void> {
    const entry = await library.importFile(file)
    if (entry)
      activeId.value = entry.ref.id
  }

  async function remove(ref: ModelRef): Promise<void> {
    if (loaded.value?.model.id === ref.id) {
      await engine.localService().dispose()
      loaded.value = null
    }
    await library.remove(ref.id)
    // A model added by URL goes with its file: its card stayed "Not downloaded" after Discard (a newcomer).
    if (ref.repo === URL_REPO)
      await forgetUrlModel(ref.file).then(() => { catalog.value = catalog.value.filter(m => m.id !== ref.id) })
  }

  async function clearAll(): Promise<void> {
    if (loaded.value) {
      await engine.localService().dispose()
      loaded.value = null
    }
    localStorage.removeItem(LAST_MODEL_KEY)
    lastUsedId.value = ''
    await library.clearAll()
  }

  return { catalog, offered, defaultModel, chosenId, availability, availabilityOf, checkAvailability, canPrepare, nextToPrepare, ensureLocalModel, activeLabel, samplingModel, stored, storedById, phase, activeId, progress, error, loaded, loadedAt, isAnswering, init, download, cancelDownload, load, takeOverAndLoad, addCustom, addUrl, importFile, remove, clearAll }
})
