import { shallowRef, type ShallowRef } from 'vue'
import { loadHighlighter, type Highlighter } from '../utils/highlight'

const highlighter = shallowRef<Highlighter | null>(null)
let isLoading = false

/**
 * The code highlighter, shared by every code block: null until highlight.js has been fetched (the first call starts
 * it, in its own chunk), then the function. Until then, or if the chunk cannot be fetched (offline before the service
 * worker cached it), code blocks show plain text; a later call tries again.
 */
export function useHighlighter(): Readonly<ShallowRef<Highlighter | null>> {
  if (!highlighter.value && !isLoading) {
    isLoading = true
    loadHighlighter()
      .then((h) => { highlighter.value = h })
      .catch((err: unknown) => console.warn('Code highlighting is off: highlight.js could not be loaded.', err))
      .finally(() => { isLoading = false })
  }
  return highlighter
}
