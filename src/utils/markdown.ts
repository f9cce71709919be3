/**
 * Markdown to safe HTML for model output, tool results and the help guides.
 * marked renders (GitHub-flavoured, no raw-HTML trust); DOMPurify then removes anything executable: scripts,
 * event handlers, `javascript:` URLs, SVG/MathML script vectors. Everything shown from a model goes through here.
 */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'

const marked = new Marked({ gfm: true, breaks: false, async: false })

let isHookInstalled = false

function installHooks(): void {
  if (isHookInstalled)
    return
  isHookInstalled = true
  // Links open outside the app and never leak the page through `window.opener`.
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer nofollow')
    }
  })
}

/** Renders Markdown to sanitised HTML. Safe to bind with `v-html`. Needs a DOM (browser or happy-dom). */
export function renderMarkdown(source: string): string {
  installHooks()
  const html = marked.parse(source) as string
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
    FORBID_ATTR: ['style'],
  })
}
