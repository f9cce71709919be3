/**
 * The origin's storage as the browser reports it: the used/quota figures, persistence, the space check before a
 * download, and which models to delete first when space is short (least recently used).
 */
import { AppError } from '../shared/errors'
import type { StoredModel } from './manifest'
import { storageEstimate } from './opfs-store'

const MiB = 2 ** 20

/** Refuses a download of `neededBytes` that cannot fit. @throws AppError 'storage_quota' */
export async function ensureSpace(neededBytes: number): Promise<void> {
  const { usageBytes, quotaBytes } = await storageEstimate()
  const freeBytes = quotaBytes - usageBytes
  if (quotaBytes > 0 && freeBytes < neededBytes) {
    throw new AppError('storage_quota', `This model needs ${Math.ceil(neededBytes / MiB)} MiB, but only `
      + `${Math.max(0, Math.floor(freeBytes / MiB))} MiB of storage is free. Delete a model you no longer use, or pick a smaller one.`)
  }
}

let persistAsked = false

/**
 * Asks once per session that the browser not evict our storage under pressure (Chrome grants it silently to
 * installed or bookmarked sites, Firefox asks the user). Never throws: a refusal only means eviction stays possible.
 */
export async function requestPersist(): Promise<boolean> {
  // persist() exists on the page only (workers' StorageManager lacks it).
  const storage = navigator.storage as StorageManager & { persist?: () => Promise<boolean> }
  if (persistAsked || !storage?.persist)
    return false
  persistAsked = true
  try {
    return (await storage.persisted()) || await storage.persist()
  }
  catch (err) {
    console.warn('navigator.storage.persist() failed', err)
    return false
  }
}

/**
 * Ready models to delete, least recently used first, until `neededBytes` more would fit; empty when nothing helps
 * or nothing is needed. `keepId` (the loaded model) is never suggested.
 */
export function lruSuggestion(models: StoredModel[], neededBytes: number, freeBytes: number, keepId?: string): StoredModel[] {
  if (neededBytes <= freeBytes)
    return []
  const chosen: StoredModel[] = []
  let freed = freeBytes
  for (const m of [...models].filter(m => m.ref.id !== keepId).sort((a, b) => (a.lastUsedAt ?? a.storedAt) - (b.lastUsedAt ?? b.storedAt))) {
    if (freed >= neededBytes)
      break
    chosen.push(m)
    freed += m.sizeBytes
  }
  return freed >= neededBytes ? chosen : []
}
