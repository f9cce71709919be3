/**
 * The origins the server's hub downloads redirect to (`downloadOrigins` of `/app-config.json`: the mirror's CDN
 * origin, as the Hub's `/resolve/` redirects to its CDN), for the service worker's CSP. The last answer is kept in
 * IndexedDB: a page opened offline is served by the service worker, and without it the policy it built left the CDN
 * out, so once back online every download failed ("Failed to fetch") until a reload (a newcomer's report, item 2).
 */
import { get, set } from 'idb-keyval'

/** Where the last answer is kept (idb-keyval's default store, beside the settings). */
export const DOWNLOAD_ORIGINS_KEY = 'local-ai:sw-download-origins'

/**
 * The server's download origins now; when it cannot be asked (offline, or an error status) the last ones it gave,
 * else none (a static host has no app-config.json). buildCsp keeps only well-formed origins.
 * @param fetchConfig asks for `/app-config.json` (a test passes its own); rejects when offline
 */
export async function downloadOrigins(fetchConfig: () => Promise<Response> = () => fetch('/app-config.json', { cache: 'no-store' })): Promise<string[]> {
  try {
    const res = await fetchConfig()
    if (res.status === 404)
      return []
    if (!res.ok)
      throw new Error(`app-config.json answered ${res.status}`)
    const config = await res.json() as { downloadOrigins?: unknown }
    const origins = Array.isArray(config.downloadOrigins) ? config.downloadOrigins.filter((o): o is string => typeof o === 'string') : []
    await set(DOWNLOAD_ORIGINS_KEY, origins).catch((err: unknown) => console.warn('Service worker could not keep the download origins', err))
    return origins
  }
  catch {
    return (await get<string[]>(DOWNLOAD_ORIGINS_KEY).catch(() => undefined)) ?? []
  }
}
