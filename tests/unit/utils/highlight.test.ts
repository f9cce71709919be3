// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { codeLanguage, loadHighlighter, sanitizeHighlight } from '../../../src/utils/highlight'

function elements(html: string): string[] {
  const template = document.createElement('template')
  template.innerHTML = html
  return [...template.content.querySelectorAll('*')].map(el => `${el.localName}${[...el.attributes].map(a => `[${a.name}=${a.value}]`).join('')}`)
}

describe('code highlighting', () => {
  it('highlights a known language with highlight.js spans only, the code kept as text', async () => {
    const highlight = await loadHighlighter()
    const html = highlight('const a: Vec<String> = "<dialog open>"', 'ts')!
    expect(html).toContain('<span class="hljs-keyword">const</span>')
    expect(html).toContain('&lt;dialog open&gt;')
    expect(new Set(elements(html).map(e => e.replace(/\[class=hljs-[a-z_-]+( [a-z]+_+)*\]$/, '')))).toEqual(new Set(['span']))
    expect(highlight('x', 'no-such-language')).toBeNull()
    expect(highlight('x', '')).toBeNull()
  })

  it('registers the common languages and their aliases', async () => {
    const highlight = await loadHighlighter()
    for (const language of ['js', 'typescript', 'py', 'bash', 'sh', 'json', 'html', 'css', 'rust', 'go', 'java', 'c', 'cpp', 'csharp', 'sql', 'yaml', 'diff', 'php', 'ruby', 'kotlin', 'swift', 'toml', 'dockerfile', 'powershell', 'markdown'])
      expect(highlight('a', language), language).not.toBeNull()
  })

  it('keeps only span[class=hljs-*]: any other element, attribute or class is dropped, text kept', () => {
    const html = sanitizeHighlight('<span class="hljs-title class_">A</span><span class="error-notice">B</span><span class="hljs-x" style="position:fixed" onclick="x()">C</span><dialog open>D</dialog><img src=x>')
    expect(elements(html)).toEqual(['span[class=hljs-title class_]', 'span', 'span[class=hljs-x]'])
    expect(html).toContain('D')
  })

  it('reads the fence info string as a short language label', () => {
    expect(codeLanguage('TypeScript title="a.ts"')).toBe('typescript')
    expect(codeLanguage('c++')).toBe('c++')
    expect(codeLanguage('<img src=x>')).toBe('')
    expect(codeLanguage(undefined)).toBe('')
  })
})
