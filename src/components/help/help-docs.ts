/**
 * The user guide (docs/guide/*.md, written for people using the app) and the error codes' troubleshooting page,
 * bundled as text (`?raw`) so the help works offline, rendered with the app's sanitising Markdown renderer, with
 * GitHub-style heading ids so anchors work. The developer documents (README, docs/architecture.md, setup, performance)
 * stay in the repository and are not shown in the app.
 */
import troubleshooting from '../../../docs/troubleshooting.md?raw'
import { renderMarkdown } from '../../utils/markdown'
import type { HelpDoc } from '../../composables/panels'
import { slugify } from './slug'

const GUIDE_FILES = import.meta.glob<string>('../../../docs/guide/*.md', { query: '?raw', import: 'default', eager: true })
// Images the guides show (README's screenshot, ...), bundled so they work offline: repo path -> built URL.
const IMAGES = Object.fromEntries(Object.entries(
  import.meta.glob<string>('../../../docs/**/*.{png,jpg,jpeg,svg,webp,gif}', { query: '?url', import: 'default', eager: true }),
).map(([path, url]) => [path.replace(/^(\.\.\/)+/, ''), url]))

/** The guide's pages in reading order, with their titles in the Help menu. */
const TITLES: Record<HelpDoc, string> = {
  'getting-started': 'Getting started', 'models': 'Models', 'privacy': 'Privacy', 'cloud-services': 'Cloud services',
  'tools-and-mcp': 'Tools and MCP', 'troubleshooting': 'Troubleshooting', 'keyboard-shortcuts': 'Keyboard shortcuts',
}

export interface HelpGuide {
  id: HelpDoc
  title: string
  source: string
  /** The guide's folder in the repository ('docs/' or 'docs/guide/'), for its relative image paths. */
  folder: string
}

function guideSource(id: HelpDoc): string {
  if (id === 'troubleshooting')
    return troubleshooting
  const source = GUIDE_FILES[`../../../docs/guide/${id}.md`]
  if (source === undefined)
    throw new Error(`docs/guide/${id}.md is missing: every page of the Help menu needs its file.`)
  return source
}

/** Every page of the guide, Getting started first. */
export const GUIDES: HelpGuide[] = (Object.keys(TITLES) as HelpDoc[]).map(id => ({
  id, title: TITLES[id], source: guideSource(id), folder: id === 'troubleshooting' ? 'docs/' : 'docs/guide/',
}))

/** Sanitised HTML with an id on every heading (duplicates numbered as GitHub does) and bundled image URLs. */
export function renderGuide(source: string, folder = ''): string {
  const template = document.createElement('template')
  template.innerHTML = renderMarkdown(source, { isOwnGuide: true })
  for (const img of template.content.querySelectorAll('img')) {
    const src = img.getAttribute('src') ?? ''
    if (/^[a-z][a-z0-9+.-]*:/i.test(src))
      continue
    const path = new URL(src, `http://repo/${folder}`).pathname.slice(1)
    const url = IMAGES[path]
    if (url)
      img.setAttribute('src', url)
    else
      img.removeAttribute('src')
  }
  // A link to a developer document (not in the app) would open a broken page: keep its words, drop the link.
  for (const a of template.content.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href') ?? ''
    if (!/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#') && !resolveGuideLink(href, 'getting-started'))
      a.replaceWith(...a.childNodes)
  }
  // A wide table scrolls sideways on a phone: focusable, so the keyboard can scroll it too.
  for (const table of template.content.querySelectorAll('table'))
    table.setAttribute('tabindex', '0')
  const seen = new Map<string, number>()
  for (const h of template.content.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const base = slugify(h.textContent ?? '')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    h.id = n ? `${base}-${n}` : base
  }
  return template.innerHTML
}

/**
 * Where a link inside a guide points in the app: another guide and an anchor, or null for an outside link.
 * `docs/guide/models.md#x`, `models.md#x`, `../troubleshooting.md` and `#x` (same guide) are all understood; a
 * developer document (not in the app) is an outside link.
 */
export function resolveGuideLink(href: string, current: HelpDoc): { doc: HelpDoc, anchor: string } | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href))
    return null
  const [path = '', anchor = ''] = href.split('#')
  if (!path)
    return { doc: current, anchor }
  const doc = path.replace(/^.*\//, '').replace(/\.md$/i, '').toLowerCase()
  return GUIDES.some(g => g.id === doc) ? { doc: doc as HelpDoc, anchor } : null
}
