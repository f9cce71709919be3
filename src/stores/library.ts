/**
 * The model library on the page: what is stored (ready, partial, evicted), the storage bar, and the library actions
 * (download / resume / cancel, verify, delete, clear all, import a local file, the LRU clean-up suggestion).
 * Loading a model stays in the models store; this store tells it when a download is ready.
 */
import { defineStore } from 'pinia'
import { computed, ref, toRaw } from 'vue'
import type { ModelRef, Progress } from '../contract/types'
import { toModelRef } from '../models/catalog'
import { startDownload } from '../services/library/download-client'
import { discardModel } from '../downloads/stored-files'
import { presenceOf, verifiedNotice, verifyStoredModel } from '../services/library/library-checks'
import { importLocalFile } from '../services/library/local-import'
import { filesOf, getCheckpoint, listStoredModels, type StoredModel } from '../models/manifest'
import { deleteModelFile, listModelFiles, modelFileSize, storageEstimate } from '../models/opfs-store'
import { lruSuggestion, requestPersist } from '../models/storage'
import { AppError, toAppError } from '../shared/errors'
import { useConversationsStore } from './conversations'
import { useSettingsStore } from './settings'

/** What the library knows of a model in this browser. */
export type LibraryState = 'ready' | 'partial' | 'evicted' | 'damaged'

/** Bytes downloaded so far: the file's length, or the checkpoint's offset for a file sized up front (preallocated). */
async function bytesOnDisk(entry: StoredModel): Promise<number> {
  const sizes = await Promise.all(filesOf(entry).map(async (f) => {
    const checkpoint = await getCheckpoint(f.fileName)
    return checkpoint?.preallocated ? checkpoint.offsetBytes : await modelFileSize(f.fileName)
  }))
  return sizes.reduce<number>((n, s) => n + (s ?? 0), 0)
}

export const useLibraryStore = defineStore('library', () => {
  const entries = ref<StoredModel[]>([])
  /** Ready models whose files are gone (evicted, deleted) or no longer have their verified size. */
  const evicted = ref<Map<string, 'missing' | 'damaged'>>(new Map())
  /** Bytes on disk of each partial download. */
  const partialBytes = ref<Map<string, number>>(new Map())
  const estimate = ref<{ usageBytes: number, quotaBytes: number } | null>(null)
  const busyId = ref<string | undefined>()
  const progress = ref<Progress | null>(null)
  const notice = ref<string | null>(null)
  const error = ref<AppError | null>(null)
  /** What `error` concerns: a model id, or `local-file/<name>` for a picked or dropped file. */
  const errorId = ref<string | undefined>()
  /** Bytes a refused download needed, for the clean-up suggestion. */
  const neededBytes = ref(0)
  let abort: AbortController | null = null

  const byId = computed(() => new Map(entries.value.map(e => [e.ref.id, e])))
  const ready = computed(() => entries.value.filter(e => e.state === 'ready' && !evicted.value.has(e.ref.id)))

  function stateOf(id: string): LibraryState | undefined {
    const e = byId.value.get(id)
    if (!e)
      return undefined
    if (e.state === 'ready')
      return evicted.value.get(id) === 'damaged' ? 'damaged' : evicted.value.has(id) ? 'evicted' : 'ready'
    return 'partial'
  }

  /** Re-reads the manifest, notices evicted files and removes orphan files no entry owns, then the estimate. */
  async function refresh(): Promise<void> {
    const all = await listStoredModels()
    const presence = await Promise.all(all.map(e => e.state === 'ready' ? presenceOf(e) : Promise.resolve('present' as const)))
    const partial = await Promise.all(all.map(async e => e.state === 'ready' ? 0 : bytesOnDisk(e)))
    entries.value = all
    partialBytes.value = new Map(all.map((e, i) => [e.ref.id, partial[i]!]))
    evicted.value = new Map(all.flatMap((e, i) => presence[i] === 'present' ? [] : [[e.ref.id, presence[i]!] as const]))
    estimate.value = await storageEstimate().catch(() => null)
  }

  async function guarded<T>(id: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    abort = new AbortController()
    busyId.value = id
    error.value = null
    notice.value = null
    progress.value = null
    try {
      return await work(abort.signal)
    }
    catch (err) {
      const e = toAppError(err)
      if (e.code !== 'aborted') {
        error.value = e
        errorId.value = id
      }
      return undefined
    }
    finally {
      busyId.value = undefined
      progress.value = null
      abort = null
      await refresh()
    }
  }

  /** Downloads, or resumes a partial download of, `model`; true when it is verified and ready. */
  async function download(model: ModelRef & { sizeBytes?: number }, hubUrl: string): Promise<boolean> {
    neededBytes.value = model.sizeBytes ?? 0
    // persist() exists on the page only, not in the download worker: ask before the first download starts.
    await requestPersist()
    const done = await guarded(model.id, signal => startDownload(toModelRef(model), {
      hubUrl, signal, onProgress: (p) => { progress.value = p }, onNotice: (m) => { notice.value = m },
      onPlan: (bytes) => { neededBytes.value = bytes },
    }))
    return !!done
  }

  function cancel(): void {
    abort?.abort()
  }

  /** Space was freed: what waits to be saved for lack of it (messages, settings) is tried now. */
  function spaceFreed(): void {
    void useConversationsStore().retrySaving()
    useSettingsStore().retrySaving()
  }

  async function verify(id: string): Promise<boolean> {
    // The raw object: a Vue proxy cannot be stored in IndexedDB (DataCloneError).
    const entry = toRaw(byId.value.get(id))
    if (!entry)
      return false
    const ok = await guarded(id, () => verifyStoredModel(entry, (loadedBytes, totalBytes) => {
      progress.value = { phase: 'verify', loadedBytes, totalBytes, bytesPerSecond: 0 }
    }))
    if (ok)
      notice.value = verifiedNotice(entry)
    return !!ok
  }

  async function remove(id: string): Promise<void> {
    const entry = byId.value.get(id)
    if (entry)
      await discardModel(entry)
    await refresh()
    spaceFreed()
  }

  /** Deletes every model, partial download and stray file in the models folder. */
  async function clearAll(): Promise<void> {
    await Promise.all(entries.value.map(e => discardModel(e)))
    await Promise.all((await listModelFiles()).map(deleteModelFile))
    await refresh()
    spaceFreed()
  }

  async function importFile(file: File): Promise<StoredModel | undefined> {
    return guarded(`local-file/${file.name}`, signal => importLocalFile(file, { signal, onProgress: (p) => { progress.value = p } }))
  }

  /** Ready models to delete (least recently used first) so the refused download fits; empty when none would do. */
  const suggestion = computed(() => {
    if (error.value?.code !== 'storage_quota' || !estimate.value)
      return []
    return lruSuggestion(ready.value, neededBytes.value, estimate.value.quotaBytes - estimate.value.usageBytes)
  })

  return { entries, byId, partialBytes, ready, evicted, estimate, busyId, progress, notice, error, errorId, suggestion, stateOf, refresh, download, cancel, verify, remove, clearAll, importFile }
})
