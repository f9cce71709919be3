// @vitest-environment jsdom
/// <reference types="vite/client" />
/** The help panel's guides: bundled, rendered safely, heading ids for anchors, links kept inside the panel. */
import { describe, expect, it } from 'vitest'
import { GUIDES, renderGuide, resolveGuideLink } from '../../../src/components/help/help-docs'

describe('help guides', () => {
  it('is a user guide: getting started first, then models, privacy, cloud, tools, troubleshooting, shortcuts; no developer docs', () => {
    expect(GUIDES.map(g => g.id)).toEqual(['getting-started', 'models', 'privacy', 'cloud-services', 'tools-and-mcp', 'troubleshooting', 'keyboard-shortcuts'])
    expect(GUIDES.find(g => g.id === 'troubleshooting')!.source).toContain('## model_not_found')
    const all = GUIDES.filter(g => g.id !== 'troubleshooting').map(g => g.source).join('\n')
    for (const devWord of ['Pinia', 'Vite', 'Architecture', 'npm ', 'src/'])
      expect(all, devWord).not.toContain(devWord)
    const page = (id: string) => GUIDES.find(g => g.id === id)!.source
    expect(page('privacy')).toMatch(/nothing you type leaves it/)
    expect(page('privacy')).toMatch(/Google Gemini/)
    expect(page('keyboard-shortcuts')).toMatch(/Ctrl\+K/)
    expect(page('keyboard-shortcuts')).toMatch(/\*\*Esc\*\*/)
    expect(page('tools-and-mcp')).toMatch(/Add MCP server/)
  })

  it('keeps the words of a link to a developer document but not the link (it is not in the app)', () => {
    const html = renderGuide('See [Performance](performance.md) and [Models](models.md).', 'docs/')
    const doc = new DOMParser().parseFromString(html, 'text/html')
    expect([...doc.querySelectorAll('a')].map(a => a.getAttribute('href'))).toEqual(['models.md'])
    expect(doc.body.textContent).toContain('See Performance and Models.')
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
    expect(resolveGuideLink('docs/troubleshooting.md#timeout', 'models')).toEqual({ doc: 'troubleshooting', anchor: 'timeout' })
    expect(resolveGuideLink('../troubleshooting.md', 'getting-started')).toEqual({ doc: 'troubleshooting', anchor: '' })
    expect(resolveGuideLink('models.md#pick-a-model', 'troubleshooting')).toEqual({ doc: 'models', anchor: 'pick-a-model' })
    expect(resolveGuideLink('#aborted', 'troubleshooting')).toEqual({ doc: 'troubleshooting', anchor: 'aborted' })
    expect(resolveGuideLink('https://github.com/ngxson/wllama', 'models')).toBeNull()
    expect(resolveGuideLink('../README.md', 'models')).toBeNull()
    expect(resolveGuideLink('docs/architecture.md', 'models')).toBeNull()
  })
})
