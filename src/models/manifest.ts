/**
 * The integrity manifest: what the app knows about each stored model, in IndexedDB (idb-keyval). A file in OPFS
 * counts as usable only when its entry says `ready`, which the downloader writes only after the SHA-256 matched: a
 * download that stopped half-way is `partial` and never looks like a model.
 *
 * A second store keeps each partial file's hasher checkpoint (hash-wasm `save()` state at a byte offset), so a
 * resumed download continues the SHA-256 instead of re-reading the whole partial file.
 */
import { createStore, del, get, set, values } from 'idb-keyval'
import type { ModelRef } from './model-ref'

export type CacheState = 'missing' | 'partial' | 'verifying' | 'ready'

/** One file of a model: a whole GGUF, or one part of a split GGUF (`-00001-of-00003.gguf`). */
export interface StoredFile {
  /** Path in the repo (or the URL / local name it came from). */
  path: string
  /** Name in the app's OPFS models folder. */
  fileName: string
  sizeBytes: number
  /** Expected SHA-256 hex (the hub's LFS oid); for a local file or a URL without one, the hash computed on copy. */
  sha256: string
  /**
   * Where `sha256` comes from. `published`: the hub (or the URL's server) published it and the bytes matched it.
   * `computed`: nothing was published, so it is the hash of the bytes as received, pinned so that later checks see
   * any change, but it says nothing about whether they are the bytes the publisher meant. Unset in entries written
   * before this field: unknown.
   */
  sha256Source?: 'published' | 'computed'
}

/** GGUF header facts shown in the library. */
export interface ModelFacts {
  architecture: string
  name?: string
  /** Sum of the tensors' element counts. */
  parameterCount: number
  /** Trained context window, in tokens. */
  contextLength?: number
  /** llama.cpp file type (quantization), e.g. `Q4_K_M`. */
  quantization?: string
  hasChatTemplate: boolean
  /** The chat template mentions tools, so native tool calls can be used. */
  hasToolSupport: boolean
}

export interface StoredModel {
  ref: ModelRef
  /** The first (or only) file: what the engine opens. Same as `files[0].fileName`. */
  fileName: string
  /** Every file of the model, in load order. Unset in entries written before split support: see {@link filesOf}. */
  files?: StoredFile[]
  /** Total of `files`, in bytes. */
  sizeBytes: number
  /** SHA-256 of the first file, hex. */
  sha256: string
  /** The hub commit the download was pinned to when it started (or `local` / `url`). */
  revision?: string
  state: CacheState
  /** The GGUF has a chat template. */
  hasChatTemplate: boolean
  facts?: ModelFacts
  /** When the download started, ms since the epoch. */
  storedAt: number
  /** When the hash last matched, ms since the epoch; 0 while partial. Default `storedAt`. */
  verifiedAt?: number
  /** When the model was last loaded, ms since the epoch. Default `storedAt`. */
  lastUsedAt?: number
  /** Where a non-hub model came from: a URL, or `local file`. */
  source?: string
}

/** A hasher state saved after `offset` bytes of a partial file were written and flushed. */
export interface HashCheckpoint {
  offsetBytes: number
  state: Uint8Array
  /**
   * The file was sized to the whole download up front (a sync access handle grows much faster that way), so it may
   * be longer than the bytes written: only the first `offsetBytes` are data; a resume cuts the file back to them.
   */
  preallocated?: boolean
  /**
   * A parallel download (`./parallel-fetch.ts`): `[start, end)` byte ranges beyond `offsetBytes` that were written and
   * flushed; a resume keeps them and downloads only the gaps.
   */
  ranges?: Array<[number, number]>
}

/**
 * How far a stored model's SHA-256 can be trusted: `published` when every file's hash was published, `computed` when
 * any was only computed from the bytes received, `unknown` for entries written before this was recorded.
 */
export function checksumSource(entry: StoredModel): 'published' | 'computed' | 'unknown' {
  const sources = filesOf(entry).map(f => f.sha256Source)
  if (sources.includes('computed'))
    return 'computed'
  return sources.every(s => s === 'published') ? 'published' : 'unknown'
}

/** The model's files in load order; an entry without `files` is its one `fileName`. */
export function filesOf(entry: StoredModel): StoredFile[] {
  return entry.files?.length
    ? entry.files
    : [{ path: entry.ref.file, fileName: entry.fileName, sizeBytes: entry.sizeBytes, sha256: entry.sha256 }]
}

const store = () => createStore('local-ai-models', 'manifest')
const checkpoints = () => createStore('local-ai-model-hashes', 'checkpoints')

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

/**
 * The OPFS names every other model's entry uses. A file listed here is never deleted or written for `id`: names are
 * injective now (storage-name.ts), but entries stored under the old scheme could share one.
 */
export async function fileNamesOfOthers(id: string): Promise<Set<string>> {
  const others = (await listStoredModels()).filter(e => e.ref.id !== id)
  return new Set(others.flatMap(e => filesOf(e).map(f => f.fileName)))
}

/** Marks a model used now (for the least-recently-used clean-up suggestion). */
export async function touchStoredModel(id: string, now = Date.now()): Promise<void> {
  const entry = await getStoredModel(id)
  if (entry)
    await putStoredModel({ ...entry, lastUsedAt: now })
}

export async function getCheckpoint(fileName: string): Promise<HashCheckpoint | undefined> {
  return get<HashCheckpoint>(fileName, checkpoints())
}

export async function putCheckpoint(fileName: string, checkpoint: HashCheckpoint): Promise<void> {
  await set(fileName, checkpoint, checkpoints())
}

export async function deleteCheckpoint(fileName: string): Promise<void> {
  await del(fileName, checkpoints())
}

/** Tool support, judged from the chat template: llama.cpp and wllama pass tools only to templates that use them. */
export function templateSupportsTools(template: string | undefined): boolean {
  return !!template && /\btools\b|tool_calls|<tool_call>/.test(template)
}
