import { ref, type Ref } from 'vue'
import { isChunkLoadError } from '../shared/chunk-load'
import { toAppError, type AppError } from '../shared/errors'

/**
 * A part of the app that failed to load outside any store (Vite's preload of a lazy chunk, a chunk import rejected
 * unhandled): the error, for the app to show with Reload; null while nothing failed. Listens on `window` for the
 * page's lifetime; call it once, from the app's root component.
 */
export function useLoadError(): Ref<AppError | null> {
  const loadError = ref<AppError | null>(null)
  window.addEventListener('vite:preloadError', (ev) => {
    ev.preventDefault()
    loadError.value = toAppError((ev as Event & { payload?: unknown }).payload)
  })
  window.addEventListener('unhandledrejection', (ev) => {
    if (isChunkLoadError(ev.reason))
      loadError.value = toAppError(ev.reason)
  })
  return loadError
}
