// @vitest-environment jsdom
/// <reference types="vite/client" />
/** The help panel's guides: bundled, rendered safely, heading ids for anchors, links kept inside the panel. */
import { describe, expect, it } from 'vitest'
import { GUIDES, renderGuide, resolveGuideLink } from '../../../src/components/help/help-docs'

describe('help guides', () => {
  it('bundles the README and every docs/*.md guide, README first', () => {
    expect(GUIDES[0]!.id).toBe('readme')
    expect(GUIDES.map(g => g.id)).toEqual(expect.arrayContaining(['readme', 'troubleshooting', 'architecture']))
    expect(GUIDES.find(g => g.id === 'troubleshooting')!.source).toContain('## model_not_found')
  })

  it('gives every heading a GitHub-style id, numbering repeats', () => {
    const html = renderGuide('# Help me\n## model_not_found\ntext\n## Same\n## Same')
    const doc = new DOMParser().parseFromString(html, 'text/html')
    expect([...doc.querySelectorAll('h1, h2')].map(h => h.id)).toEqual(['help-me', 'model_not_found', 'same', 'same-1'])
  })

  it('stays sanitised: no script, no handler, no javascript: link', () => {
    const html = renderGuide('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))')
    expect(html).not.toMatch(/<script|onerror|href="javascript:/i)
    expect(html).toContain('<img>')
  })

  it('drops images that are not bundled rather than fetching them from elsewhere', () => {
    const html = renderGuide('![shot](missing.png)\n![remote](https://example.com/a.png)', 'docs/')
    const imgs = new DOMParser().parseFromString(html, 'text/html').querySelectorAll('img')
    expect(imgs[0]!.hasAttribute('src')).toBe(false)
    expect(imgs[1]!.getAttribute('src')).toBe('https://example.com/a.png')
  })

  it('keeps links between guides in the panel and lets outside links go', () => {
    expect(resolveGuideLink('docs/troubleshooting.md#timeout', 'readme')).toEqual({ doc: 'troubleshooting', anchor: 'timeout' })
    expect(resolveGuideLink('troubleshooting.md', 'architecture')).toEqual({ doc: 'troubleshooting', anchor: '' })
    expect(resolveGuideLink('../README.md#quick-start', 'troubleshooting')).toEqual({ doc: 'readme', anchor: 'quick-start' })
    expect(resolveGuideLink('#aborted', 'troubleshooting')).toEqual({ doc: 'troubleshooting', anchor: 'aborted' })
    expect(resolveGuideLink('https://github.com/ngxson/wllama', 'readme')).toBeNull()
    expect(resolveGuideLink('docs/no-such-guide.md', 'readme')).toBeNull()
  })
})
