/**
 * Models added by a direct URL, remembered across page loads (idb-keyval's default store, beside the settings), so
 * their cards stay and the service worker's Content Security Policy lets the page download from their hosts
 * (workers/service-worker/sw.ts). Without this a file on any host but the hub and the app's own was refused by the
 * policy, and the card said "could not be reached... check your connection" (a newcomer's report). Runs
 * in the page; the key and the origins the service worker reads are in shared/url-model-origins.ts.
 */
import { get, set } from 'idb-keyval'
import { URL_MODELS_KEY } from '../shared/url-model-origins'

/** The most URLs kept: the oldest are forgotten first. */
export const MAX_URL_MODELS = 50

/** The URLs remembered, oldest first; [] when none or unreadable. */
export async function savedUrlModels(): Promise<string[]> {
  const value = await get<unknown>(URL_MODELS_KEY).catch(() => undefined)
  return Array.isArray(value) ? value.filter((u): u is string => typeof u === 'string') : []
}

/** Remembers `url` (once; at most MAX_URL_MODELS, the oldest dropped). */
export async function rememberUrlModel(url: string): Promise<void> {
  const urls = (await savedUrlModels()).filter(u => u !== url)
  await set(URL_MODELS_KEY, [...urls, url].slice(-MAX_URL_MODELS))
}


/** Forgets `url`: its model was deleted or its partial download discarded, so its card goes too. */
export async function forgetUrlModel(url: string): Promise<void> {
  await set(URL_MODELS_KEY, (await savedUrlModels()).filter(u => u !== url))
}
