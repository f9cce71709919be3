/**
 * A part of the app (a JavaScript chunk loaded on first use: the engine, a cloud SDK, the help panel) that could not
 * be fetched, by the words each browser uses. No DOM: the worker imports the engine chunks and uses it too.
 * - Chromium: "Failed to fetch dynamically imported module: <url>"
 * - Firefox: "error loading dynamically imported module: <url>"
 * - WebKit: "Importing a module script failed."
 * - Vite's preload helper: "Unable to preload CSS for <url>" (and the `vite:preloadError` event on the page)
 */
const CHUNK_LOAD_MESSAGE = /failed to fetch dynamically imported module|error loading dynamically imported module|importing a module script failed|unable to preload css for/i

/** Whether `err` says a part of the app could not be loaded. */
export function isChunkLoadError(err: unknown): boolean {
  const message = (err as { message?: unknown } | null)?.message
  return typeof message === 'string' && CHUNK_LOAD_MESSAGE.test(message)
}

/** The file the browser could not load, as a path on this site (`assets/wllama-engine-X.js`), or '' when not named. */
export function chunkFileOf(err: unknown): string {
  const message = String((err as { message?: unknown } | null)?.message ?? '')
  const url = /(https?:\/\/\S+)/.exec(message)?.[1]
  if (!url)
    return ''
  try {
    return new URL(url).pathname.replace(/^\//, '')
  }
  catch {
    return ''
  }
}
