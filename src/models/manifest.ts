/**
 * What the app knows about each stored model, in IndexedDB (idb-keyval). A file in OPFS counts as usable only when
 * its entry says `ready`: a download that stopped half-way never looks like a model.
 */
import { createStore, del, get, set, values } from 'idb-keyval'
import type { ModelRef } from '../engines/types'

export type CacheState = 'missing' | 'partial' | 'verifying' | 'ready'

export interface StoredModel {
  ref: ModelRef
  fileName: string
  sizeBytes: number
  /** SHA-256 of the whole file, hex, as the hub reports it for LFS files and as verified after download. */
  sha256: string
  state: CacheState
  /** The GGUF has a chat template. */
  hasChatTemplate: boolean
  /** When the download was verified, ms since the epoch. */
  storedAt: number
}

const store = () => createStore('local-ai-models', 'manifest')

export async function getStoredModel(id: string): Promise<StoredModel | undefined> {
  return get<StoredModel>(id, store())
}

export async function putStoredModel(entry: StoredModel): Promise<void> {
  await set(entry.ref.id, entry, store())
}

export async function deleteStoredModel(id: string): Promise<void> {
  await del(id, store())
}

export async function listStoredModels(): Promise<StoredModel[]> {
  return values<StoredModel>(store())
}
