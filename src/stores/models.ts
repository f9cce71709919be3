import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ModelRef, Progress } from '../engines/types'
import { PUBLIC_CATALOG, catalogEntry, toModelRef, type CatalogEntry } from '../models/catalog'
import { downloadModel } from '../models/downloader'
import { deleteStoredModel, listStoredModels, type StoredModel } from '../models/manifest'
import { deleteModelFile } from '../models/opfs-store'
import type { LoadedModel } from '../protocol/messages'
import { AppError, toAppError } from '../protocol/errors'
import { useEngineStore } from './engine'
import { useSettingsStore } from './settings'

interface ServerConfig {
  hubUrl?: string
  models?: Array<{ repo: string, file: string, sizeBytes?: number }>
  defaultModel?: { repo: string, file: string }
}

const LAST_MODEL_KEY = 'local-ai:last-model'
const SERVER_CONFIG_KEY = 'local-ai:server-config'

export type ModelPhase = 'idle' | 'downloading' | 'loading' | 'ready' | 'error'

/** The catalog, what is stored in this browser, the download in progress and the loaded model. */
export const useModelsStore = defineStore('models', () => {
  const settings = useSettingsStore()
  const engine = useEngineStore()
  const catalog = ref<CatalogEntry[]>(PUBLIC_CATALOG)
  const defaultModelId = ref<string | undefined>(PUBLIC_CATALOG[0]?.id)
  const stored = ref<StoredModel[]>([])
  const phase = ref<ModelPhase>('idle')
  const activeId = ref<string | undefined>()
  const progress = ref<Progress | null>(null)
  const error = ref<AppError | null>(null)
  const loaded = ref<LoadedModel | null>(null)
  let downloadAbort: AbortController | null = null

  engine.useLoadOptions(() => ({
    nCtx: settings.nCtx,
    ...(settings.nThreads > 0 && { nThreads: settings.nThreads }),
    ...(settings.gpuMode === 'cpu' && { nGpuLayers: 0 }),
    ...(settings.chatTemplate && { chatTemplate: settings.chatTemplate }),
    idleUnloadMs: settings.idleUnloadMinutes * 60_000,
  }))

  engine.whenTakenOver(() => {
    loaded.value = null
    phase.value = 'idle'
  })

  const defaultModel = computed(() => catalog.value.find(m => m.id === defaultModelId.value))
  const storedById = computed(() => new Map(stored.value.map(s => [s.ref.id, s])))
  /** The catalog, plus every stored model it does not list (so a download never disappears from view). */
  const offered = computed<CatalogEntry[]>(() => [
    ...catalog.value,
    ...stored.value.filter(s => !catalog.value.some(c => c.id === s.ref.id))
      .map(s => ({ ...catalogEntry(s.ref.repo, s.ref.file, s.sizeBytes), ...s.ref })),
  ])

  /** Reads the server's config and what is stored, then reloads the last used model from OPFS. */
  async function init(): Promise<void> {
    await Promise.all([readServerConfig(), refreshStored(), engine.readEnv()])
    const last = localStorage.getItem(LAST_MODEL_KEY)
    const entry = last ? storedById.value.get(last) : undefined
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
    if (config.hubUrl && config.models?.length) {
      settings.serverHubUrl = config.hubUrl
      catalog.value = config.models.map(m => catalogEntry(m.repo, m.file, m.sizeBytes))
      defaultModelId.value = config.defaultModel && `${config.defaultModel.repo}/${config.defaultModel.file}`
    }
  }

  async function refreshStored(): Promise<void> {
    stored.value = (await listStoredModels()).filter(m => m.state === 'ready')
  }

  async function run(id: string, next: ModelPhase, work: () => Promise<void>): Promise<boolean> {
    activeId.value = id
    phase.value = next
    error.value = null
    progress.value = null
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
      progress.value = null
    }
  }

  /** Downloads into OPFS, verifies, then loads. */
  async function download(ref: ModelRef): Promise<boolean> {
    const abort = new AbortController()
    downloadAbort = abort
    const ok = await run(ref.id, 'downloading', async () => {
      await downloadModel(ref, { hubUrl: settings.hubUrl, signal: abort.signal, onProgress: (p) => { progress.value = p } })
      await refreshStored()
    })
    return ok && load(ref)
  }

  function cancelDownload(): void {
    downloadAbort?.abort()
  }

  /** Loads a stored model in the inference worker. */
  async function load(ref: ModelRef): Promise<boolean> {
    return run(ref.id, 'loading', async () => {
      // The service finds the file in the manifest and refuses a model that is not downloaded.
      await engine.claim()
      loaded.value = null
      const service = engine.localService()
      await service.initialize(toModelRef(ref))
      loaded.value = service.loadedModel
      localStorage.setItem(LAST_MODEL_KEY, ref.id)
    })
  }

  /** Moves the engine from another tab to this one, then loads `ref` here. */
  async function takeOverAndLoad(ref: ModelRef): Promise<boolean> {
    await engine.takeOver()
    return load(ref)
  }

  /** Offers any GGUF file of any hub repo. */
  function addCustom(repo: string, file: string): void {
    const entry = catalogEntry(repo, file)
    if (!catalog.value.some(m => m.id === entry.id))
      catalog.value.push(entry)
  }

  async function remove(ref: ModelRef): Promise<void> {
    const entry = storedById.value.get(ref.id)
    if (loaded.value?.model.id === ref.id) {
      await engine.localService().dispose()
      loaded.value = null
    }
    if (entry)
      await deleteModelFile(entry.fileName)
    await deleteStoredModel(ref.id)
    await refreshStored()
  }

  return { catalog, offered, defaultModel, stored, storedById, phase, activeId, progress, error, loaded, init, download, cancelDownload, load, takeOverAndLoad, addCustom, remove }
})
