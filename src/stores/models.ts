import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ModelRef, Progress } from '../engines/types'
import { PUBLIC_CATALOG, catalogEntry, modelRef, toModelRef, type CatalogEntry } from '../models/catalog'
import { URL_REPO } from '../models/downloader'
import { isLaterSplitPart } from '../models/split'
import type { LoadedModel } from '../protocol/messages'
import { AppError, toAppError } from '../protocol/errors'
import { useEngineStore } from './engine'
import { useLibraryStore } from './library'
import { useSettingsStore } from './settings'
import type { UserSettings } from './settings-schema'
import type { LoadOptions } from '../engines/worker-service'

interface ServerConfig {
  hubUrl?: string
  /** From this model size on, the thread count is learnt from chats instead of probe loads (see LoadRequest). */
  threadProbeMaxBytes?: number
  models?: Array<{ repo: string, file: string, sizeBytes?: number }>
  defaultModel?: { repo: string, file: string }
}

const LAST_MODEL_KEY = 'local-ai:last-model'
const SERVER_CONFIG_KEY = 'local-ai:server-config'

export type ModelPhase = 'idle' | 'downloading' | 'loading' | 'ready' | 'error'

/** The catalog, what is stored in this browser, the download in progress and the loaded model. */
/** What a local load takes from Settings (and the deployment's probe threshold), as the worker's LoadRequest. */
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

export const useModelsStore = defineStore('models', () => {
  const settings = useSettingsStore()
  const engine = useEngineStore()
  const library = useLibraryStore()
  const catalog = ref<CatalogEntry[]>(PUBLIC_CATALOG)
  const defaultModelId = ref<string | undefined>(PUBLIC_CATALOG[0]?.id)
  const phase = ref<ModelPhase>('idle')
  const activeId = ref<string | undefined>()
  const loadProgress = ref<Progress | null>(null)
  /** Download or verify progress from the library, else load progress. */
  const progress = computed(() => library.progress ?? loadProgress.value)
  const error = ref<AppError | null>(null)
  const loaded = ref<LoadedModel | null>(null)
  let threadProbeMaxBytes: number | undefined

  engine.useLoadOptions(() => loadOptionsFrom(settings, threadProbeMaxBytes))

  engine.whenTakenOver(() => {
    loaded.value = null
    phase.value = 'idle'
  })

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
    await Promise.all([readServerConfig(), library.refresh(), engine.readEnv()])
    const entry = storedById.value.get(settings.modelId) ?? storedById.value.get(localStorage.getItem(LAST_MODEL_KEY) ?? '')
    if (entry)
      await load(entry.ref)
  }

  /** The server's mirror and models; the last answer is kept so the app opens the same way offline. */
  async function readServerConfig(): Promise<void> {
    let config: ServerConfig = JSON.parse(localStorage.getItem(SERVER_CONFIG_KEY) ?? '{}') as ServerConfig
    try {
      const res = await fetch('/app-config.json', { cache: 'no-store' })
      if (res.ok && res.headers.get('content-type')?.includes('json')) {
        config = await res.json() as ServerConfig
        localStorage.setItem(SERVER_CONFIG_KEY, JSON.stringify(config))
      }
    }
    catch (err) {
      console.info('No server config (offline, or static hosting): using the saved or public catalog', err)
    }
    if (typeof config.threadProbeMaxBytes === 'number' && config.threadProbeMaxBytes >= 0)
      threadProbeMaxBytes = config.threadProbeMaxBytes
    if (config.hubUrl && config.models?.length) {
      settings.serverHubUrl = config.hubUrl
      // The mirror's models first; a split GGUF is listed once, by its first part.
      catalog.value = [...config.models.filter(m => !isLaterSplitPart(m.file))
        .map(m => catalogEntry(m.repo, m.file, m.sizeBytes)), ...PUBLIC_CATALOG]
      defaultModelId.value = config.defaultModel && `${config.defaultModel.repo}/${config.defaultModel.file}`
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
      phase.value = error.value.code === 'aborted' ? 'idle' : 'error'
      return false
    }
    finally {
      loadProgress.value = null
    }
  }

  /** Downloads (or resumes) into OPFS, verifies, then loads. */
  async function download(ref: ModelRef): Promise<boolean> {
    const ok = await run(ref.id, 'downloading', async () => {
      if (!await library.download(ref, settings.hubUrl))
        throw library.error ?? new AppError('aborted')
    })
    return ok && load(ref)
  }

  function cancelDownload(): void {
    library.cancel()
  }

  /** Loads a stored model in the inference worker. */
  async function load(ref: ModelRef): Promise<boolean> {
    const ok = await run(ref.id, 'loading', async () => {
      // The service finds the file in the manifest and refuses a model that is not downloaded.
      await engine.claim()
      loaded.value = null
      const service = engine.localService()
      await service.initialize(toModelRef(ref))
      loaded.value = service.loadedModel
      localStorage.setItem(LAST_MODEL_KEY, ref.id)
    })
    // A failed cheap check (file evicted or damaged) shows on the card; a load also updates last-used.
    await library.refresh()
    return ok
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

  /** Offers a GGUF at a direct http(s) URL. */
  function addUrl(url: string): void {
    const entry = { ...catalogEntry(URL_REPO, url), ...modelRef(URL_REPO, url, 'url'), label: url.split('/').pop() ?? url }
    if (!catalog.value.some(m => m.id === entry.id))
      catalog.value.unshift(entry)
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
  }

  async function clearAll(): Promise<void> {
    if (loaded.value) {
      await engine.localService().dispose()
      loaded.value = null
    }
    localStorage.removeItem(LAST_MODEL_KEY)
    await library.clearAll()
  }

  return { catalog, offered, defaultModel, stored, storedById, phase, activeId, progress, error, loaded, init, download, cancelDownload, load, takeOverAndLoad, addCustom, addUrl, importFile, remove, clearAll }
})
