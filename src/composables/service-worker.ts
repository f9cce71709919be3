import { Workbox } from 'workbox-window'
import { ref } from 'vue'

/**
 * Registers the service worker (production builds only) so the app opens offline, and tells the UI when an update
 * is waiting. Model files are not in the service worker's cache: they live in OPFS.
 */
export function useServiceWorker() {
  /** The service worker reported every file of the app cached: it opens, and runs its engine, with no network. */
  const isOfflineReady = ref(false)
  /** The service worker is active but reported files missing (evicted, or not fetched yet): not ready offline. */
  const isOfflineIncomplete = ref(false)
  const hasUpdate = ref(false)
  /**
   * The service worker now adds COOP/COEP, but this page was loaded without them (a static host): one reload makes it
   * cross-origin isolated, so wllama gets threads. Offered, not forced, so nothing the user started is cut off.
   */
  const canEnableThreads = ref(false)
  const error = ref<string | null>(null)
  let wb: Workbox | null = null

  async function register(): Promise<void> {
    if (!import.meta.env.PROD || !('serviceWorker' in navigator))
      return
    wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
    wb.addEventListener('waiting', () => { hasUpdate.value = true })
    wb.addEventListener('activated', (event) => {
      void checkOffline()
      // First install only: if isolation still fails after that reload, the browser refuses it and asking again is noise.
      canEnableThreads.value = !event.isUpdate && !globalThis.crossOriginIsolated
    })
    try {
      await wb.register()
      if (navigator.serviceWorker.controller)
        await checkOffline()
    }
    catch (err) {
      error.value = `Offline mode is unavailable: ${String(err)}`
    }
  }

  /** Asks the service worker whether every file is cached (workers/service-worker/sw.ts answers, refetching what it can). */
  async function checkOffline(): Promise<void> {
    const status = await wb?.messageSW({ type: 'GET_PRECACHE_STATUS' }).catch(() => null) as { isComplete?: boolean } | null | undefined
    isOfflineReady.value = status?.isComplete === true
    isOfflineIncomplete.value = status?.isComplete === false
  }

  function applyUpdate(): void {
    wb?.addEventListener('controlling', () => window.location.reload())
    wb?.messageSkipWaiting()
  }

  function reloadForThreads(): void {
    window.location.reload()
  }

  return { isOfflineReady, isOfflineIncomplete, hasUpdate, canEnableThreads, error, register, applyUpdate, reloadForThreads }
}
