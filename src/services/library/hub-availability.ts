/**
 * Does the configured hub have this catalog file? Asked of the hub's own API (`paths-info`, through the official
 * `@huggingface/hub` client), so a mirror, a private hub or huggingface.co all answer the same way, and a catalog
 * entry the hub does not have is never offered as a Download button that can only fail.
 *
 * Answers are cached per (hub, repo, revision, file) in a key-value store (the page's `localStorage`): a file the hub has for a week, a file it lacks
 * for a day (a mirror may gain it). Offline and unreachable answers are not cached: they say nothing about the file.
 * Framework-free (no Vue): the models store keeps the reactive copy.
 */
import type { ModelRef } from '../../contract/types'

/**
 * - `available`: the hub lists the file at that revision;
 * - `missing`: the hub answered, and has no such repo, revision or file;
 * - `offline`: the browser is offline, so the hub was not asked;
 * - `unreachable`: the hub did not answer (network error, 5xx, a blocked address).
 */
export type HubAvailability = 'available' | 'missing' | 'offline' | 'unreachable'

interface CachedAnswer {
  state: 'available' | 'missing'
  /** Epoch ms of the hub's answer. */
  checkedAt: number
}

/** Where answers are kept: `localStorage` on the page (this module also type-checks for workers, which have none). */
export interface AnswerStore {
  getItem: (key: string) => string | null
  setItem: (key: string, value: string) => void
}

const CACHE_KEY = 'local-ai:hub-availability'
/** How long an answer is trusted, in ms. */
export const AVAILABLE_TTL_MS = 7 * 24 * 3600_000
export const MISSING_TTL_MS = 24 * 3600_000

/** The cache key of one file on one hub. */
export function availabilityKey(ref: ModelRef, hubUrl: string): string {
  return `${hubUrl.replace(/\/+$/, '')} ${ref.repo}@${ref.revision ?? 'main'}:${ref.file}`
}

function readCache(store?: AnswerStore): Record<string, CachedAnswer> {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(CACHE_KEY) ?? '{}')
    return parsed && typeof parsed === 'object' ? parsed as Record<string, CachedAnswer> : {}
  }
  catch {
    return {}
  }
}

function writeCache(store: AnswerStore | undefined, key: string, answer: CachedAnswer): void {
  try {
    const cache = readCache(store)
    cache[key] = answer
    store?.setItem(CACHE_KEY, JSON.stringify(cache))
  }
  catch (err) {
    // A full or disabled localStorage only costs a repeated question to the hub.
    console.warn('Could not cache the hub availability answer', err)
  }
}

/** The cached answer for `ref` on `hubUrl` while it is fresh, else undefined. */
export function cachedAvailability(ref: ModelRef, hubUrl: string, store?: AnswerStore, nowMs = Date.now()): 'available' | 'missing' | undefined {
  const hit = readCache(store)[availabilityKey(ref, hubUrl)]
  if (!hit || (hit.state !== 'available' && hit.state !== 'missing'))
    return undefined
  const ttl = hit.state === 'available' ? AVAILABLE_TTL_MS : MISSING_TTL_MS
  return nowMs - hit.checkedAt < ttl ? hit.state : undefined
}

export interface AvailabilityOptions {
  /** Default `navigator.onLine` (true where there is no navigator). */
  isOnline?: () => boolean
  /** Default the global fetch; tests pass their own. */
  fetch?: typeof fetch
  /** Where answers are cached; none: nothing is cached. */
  store?: AnswerStore
  /** Ask the hub even when a fresh answer is cached. Default false. */
  isForced?: boolean
}

/**
 * Whether `hubUrl` has `ref.file` in `ref.repo` at `ref.revision`. Never throws: every failure is one of the states.
 * Only a hub answer (`available`, `missing`) is cached.
 */
export async function checkHubAvailability(ref: ModelRef, hubUrl: string, opts: AvailabilityOptions = {}): Promise<HubAvailability> {
  if (!opts.isForced) {
    const cached = cachedAvailability(ref, hubUrl, opts.store)
    if (cached)
      return cached
  }
  const isOnline = opts.isOnline ?? (() => (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine ?? true)
  if (!isOnline())
    return 'offline'
  let state: 'available' | 'missing'
  try {
    const { pathsInfo } = await import('@huggingface/hub')
    const found = await pathsInfo({ repo: ref.repo, paths: [ref.file], revision: ref.revision ?? 'main', hubUrl, ...(opts.fetch && { fetch: opts.fetch }) })
    state = found.some(p => p.path === ref.file && p.type === 'file') ? 'available' : 'missing'
  }
  catch (err) {
    // The Hub answers 401 for a repo it does not know (so as not to reveal private ones) and 404 for a revision.
    const status = (err as { statusCode?: number }).statusCode
    if (status !== 401 && status !== 404)
      return isOnline() ? 'unreachable' : 'offline'
    state = 'missing'
  }
  writeCache(opts.store, availabilityKey(ref, hubUrl), { state, checkedAt: Date.now() })
  return state
}
