/**
 * Where models added by a direct URL are remembered (models/url-models.ts, idb-keyval's default store) and their
 * hosts as the service worker's Content Security Policy admits them (workers/service-worker/sw.ts). Framework-free,
 * shared by the page and the service worker.
 */
import { isCanonicalOrigin } from './origin'

/** Where the URLs are kept. */
export const URL_MODELS_KEY = 'local-ai:url-models'

/** The http(s) origins of `value`'s URLs (anything else in it is ignored: it may be old or hand-edited). */
export function urlModelOrigins(value: unknown): string[] {
  const origins = new Set<string>()
  for (const u of Array.isArray(value) ? value : []) {
    try {
      const { origin, protocol } = new URL(String(u))
      if ((protocol === 'http:' || protocol === 'https:') && isCanonicalOrigin(origin))
        origins.add(origin)
    }
    catch { /* not a URL: no origin */ }
  }
  return [...origins]
}
