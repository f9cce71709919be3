/**
 * Syntax highlighting for code blocks in model output, with highlight.js (a maintained highlighter; its output is
 * plain `<span class="hljs-...">` runs, which a tight allow-list can hold). The library and its grammars are loaded
 * on first use with a dynamic import, so they are not in the first-load chunk.
 *
 * The highlighter's HTML goes through its own DOMPurify instance that keeps only `span` elements whose class is one
 * of highlight.js's scope names (`hljs-keyword`, `hljs-title class_`...): nothing else, whatever the code says. The
 * Markdown sanitiser's allow-list (markdown.ts) is not widened, and model text can still create no element at all.
 */
import createDOMPurify from 'dompurify'

/** Highlighted HTML for one code block, or null when the language is unknown (the block stays plain text). */
export type Highlighter = (code: string, language: string) => string | null

/** `hljs-<scope>` then highlight.js's sub-scope suffixes (`class_`, `function_`, `inherited__`). */
const HLJS_CLASS = /^hljs-[a-z_-]{1,40}(?: [a-z]{1,20}_{1,2}){0,3}$/

let purify: ReturnType<typeof createDOMPurify> | undefined

/** Keeps only `span[class=hljs-*]` (text kept, any other element or attribute dropped). Needs a DOM. */
export function sanitizeHighlight(html: string): string {
  if (!purify) {
    purify = createDOMPurify(window)
    purify.addHook('uponSanitizeAttribute', (_node, data) => {
      if (data.attrName !== 'class' || !HLJS_CLASS.test(data.attrValue))
        data.keepAttr = false
    })
  }
  return purify.sanitize(html, { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'], ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false })
}

let loading: Promise<Highlighter> | undefined

/**
 * Loads highlight.js and its grammars once (later calls share the promise) and returns the highlighter.
 * @throws the dynamic import's error when the chunk cannot be fetched (offline before it was cached); the next call
 * tries again.
 */
export function loadHighlighter(): Promise<Highlighter> {
  loading ??= import('./highlight-languages').then(({ default: hljs }): Highlighter => (code, language) => {
    if (!language || !hljs.getLanguage(language))
      return null
    return sanitizeHighlight(hljs.highlight(code, { language, ignoreIllegals: true }).value)
  }).catch((err: unknown) => {
    loading = undefined
    throw err
  })
  return loading
}

/** The fence's language as a short label: its first word, letters, digits and `+#.-` only; '' when none. */
export function codeLanguage(info: string | undefined): string {
  return (/^[\w+#.-]{1,40}/.exec((info ?? '').trim())?.[0] ?? '').toLowerCase()
}
