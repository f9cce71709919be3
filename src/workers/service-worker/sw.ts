/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell and wllama's WebAssembly (Workbox, manifest injected by
 * vite-plugin-pwa), caches other hashed assets (the 6 MB WebLLM chunk) when first used, and serves every same-origin
 * response with COOP/COEP and the CSP added (src/workers/service-worker/sw-headers.ts), so the app is cross-origin isolated and locked
 * down even on a static host that sets no headers. Model files are never cached here: they live in OPFS.
 */
import { get } from 'idb-keyval'
import { cacheNames } from 'workbox-core'
import { cleanupOutdatedCaches, getCacheKeyForURL, matchPrecache, precache } from 'workbox-precaching'
import { buildCsp, endpointOrigins, withAppHeaders, type EndpointSettings } from './sw-headers'
import { downloadOrigins } from './sw-download-origins'
import { URL_MODELS_KEY, urlModelOrigins } from '../../shared/url-model-origins'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string, revision: string | null }> }

/** Where the app saves its settings (src/stores/settings.ts, idb-keyval's default store). */
const SETTINGS_KEY = 'local-ai:settings'
const RUNTIME_CACHE = 'local-ai-runtime-assets'
/** Paths that are data, not app pages: never answered with index.html. */
const NOT_PAGES = [/^\/api\//, /\/resolve\//, /^\/app-config\.json$/]

/** The app's files as this build lists them (one injection point: workbox-build refuses a second). */
const MANIFEST = self.__WB_MANIFEST
precache(MANIFEST)
cleanupOutdatedCaches()

/** Whether every file of the build (the shell, the engine chunk and worker, wllama's WebAssembly) is in the cache. */
export interface PrecacheStatus {
  type: 'PRECACHE_STATUS'
  isComplete: boolean
  /** Files not in the cache, as the manifest names them. */
  missing: string[]
}

/**
 * The page asks before it says "Works offline": activation alone does not prove every file is cached (the browser
 * may have evicted one, or an install raced a deployment). A missing file is fetched again when the network allows.
 */
async function precacheStatus(): Promise<PrecacheStatus> {
  const cache = await caches.open(cacheNames.precache)
  const missing: string[] = []
  for (const { url } of MANIFEST) {
    if (await matchPrecache(url))
      continue
    const key = getCacheKeyForURL(url) ?? url
    const res = await fetch(key, { cache: 'reload' }).catch(() => undefined)
    if (res?.ok)
      await cache.put(key, res)
    else
      missing.push(url)
  }
  return { type: 'PRECACHE_STATUS', isComplete: missing.length === 0, missing }
}

self.addEventListener('message', (event) => {
  const type = (event.data as { type?: string } | null)?.type
  if (type === 'SKIP_WAITING')
    void self.skipWaiting()
  // workbox-window's messageSW() waits for the answer on the port it sends.
  if (type === 'GET_PRECACHE_STATUS')
    event.waitUntil(precacheStatus().then(status => event.ports[0]?.postMessage(status)))
})


/**
 * The CSP: the defaults plus the endpoints the user saved (hub, OpenAI-compatible, Gemini), the hub's download
 * origins (the last known ones when offline: sw-download-origins.ts) and the hosts of models added by URL
 * (models/url-models.ts).
 */
async function readCsp(): Promise<string> {
  try {
    const [settings, downloads, urlModels] = await Promise.all([get<EndpointSettings>(SETTINGS_KEY), downloadOrigins(), get<unknown>(URL_MODELS_KEY)])
    return buildCsp([...endpointOrigins(settings), ...downloads, ...urlModelOrigins(urlModels)])
  }
  catch (err) {
    console.warn('Service worker could not read settings; using the default CSP', err)
    return buildCsp()
  }
}

// A new version has new asset hashes: drop the old version's runtime copies (they would never be asked for again).
// The new WebLLM chunk is cached the next time it is used.
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.delete(RUNTIME_CACHE))
})

/** Read again for every page load, so a newly saved endpoint applies from the next load; reused for its resources. */
let csp = readCsp()

/** Hashed build assets never change, so the first network copy is kept (the WebLLM chunk is too big to precache). */
async function runtimeAsset(req: Request): Promise<Response> {
  const cache = await caches.open(RUNTIME_CACHE)
  const hit = await cache.match(req)
  if (hit)
    return hit
  const res = await fetch(req)
  if (res.ok)
    await cache.put(req, res.clone())
  return res
}

async function respond(req: Request, url: URL): Promise<Response> {
  // A folder URL means its index.html, as Workbox's own precache route does (directoryIndex).
  const precached = url.pathname.endsWith('/') ? new URL('index.html', url).href : url.href
  if (req.mode === 'navigate' || precached.endsWith('/index.html'))
    csp = readCsp()
  let res: Response | undefined
  if (getCacheKeyForURL(precached))
    res = await matchPrecache(precached)
  else if (req.mode === 'navigate' && !NOT_PAGES.some(re => re.test(url.pathname)))
    res = await matchPrecache('index.html')
  else if (url.pathname.startsWith('/assets/'))
    res = await runtimeAsset(req)
  res ??= await fetch(req)
  return withAppHeaders(res, await csp)
}

self.addEventListener('fetch', (event) => {
  const req = event.request
  const url = new URL(req.url)
  // Other origins (the hub, Gemini, the user's server) answer for themselves, with CORS.
  if (req.method !== 'GET' || url.origin !== self.location.origin)
    return
  // Model downloads from the mirror, its API and range requests go straight to the network.
  if (req.headers.has('range') || (req.mode !== 'navigate' && NOT_PAGES.some(re => re.test(url.pathname))))
    return
  event.respondWith(respond(req, url))
})
