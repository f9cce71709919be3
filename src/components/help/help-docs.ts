/**
 * The guides, bundled as text (`?raw`) so the help works offline, rendered with the app's sanitising Markdown
 * renderer, with GitHub-style heading ids so anchors work.
 */
import readme from '../../../README.md?raw'
import { renderMarkdown } from '../../utils/markdown'
import type { HelpDoc } from '../../composables/panels'
import { slugify } from './slug'

// Whichever guides exist are bundled; a guide added to docs/ shows up without touching this file.
const DOCS = import.meta.glob<string>('../../../docs/*.md', { query: '?raw', import: 'default', eager: true })
// Images the guides show (README's screenshot, ...), bundled so they work offline: repo path -> built URL.
const IMAGES = Object.fromEntries(Object.entries(
  import.meta.glob<string>('../../../docs/**/*.{png,jpg,jpeg,svg,webp,gif}', { query: '?url', import: 'default', eager: true }),
).map(([path, url]) => [path.replace(/^(\.\.\/)+/, ''), url]))

const TITLES: Record<string, string> = {
  readme: 'Start here', setup: 'Setup', troubleshooting: 'Troubleshooting', performance: 'Performance',
  'privacy-security': 'Privacy and security', architecture: 'Architecture',
}

export interface HelpGuide {
  id: HelpDoc
  title: string
  source: string
  /** The guide's folder in the repository ('' or 'docs/'), for its relative image paths. */
  folder: string
}

/** Every bundled guide, README first. */
export const GUIDES: HelpGuide[] = [
  { id: 'readme', title: TITLES.readme!, source: readme, folder: '' },
  ...Object.entries(DOCS)
    .map(([path, source]) => {
      const id = path.replace(/^.*\/(.+)\.md$/, '$1')
      return { id: id as HelpDoc, title: TITLES[id] ?? id, source, folder: 'docs/' }
    })
    .sort((a, b) => Object.keys(TITLES).indexOf(a.id) - Object.keys(TITLES).indexOf(b.id)),
]

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
 * `docs/setup.md#x`, `setup.md#x`, `../README.md` and `#x` (same guide) are all understood.
 */
export function resolveGuideLink(href: string, current: HelpDoc): { doc: HelpDoc, anchor: string } | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href))
    return null
  const [path = '', anchor = ''] = href.split('#')
  if (!path)
    return { doc: current, anchor }
  const name = path.replace(/^.*\//, '').replace(/\.md$/i, '').toLowerCase()
  const doc = name === 'readme' ? 'readme' : name
  return GUIDES.some(g => g.id === doc) ? { doc: doc as HelpDoc, anchor } : null
}
