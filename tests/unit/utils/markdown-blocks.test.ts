// @vitest-environment jsdom
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GROUP_BLOCKS, MarkdownBlockRenderer, groupBlocks, type MarkdownBlock, type MarkdownGroup } from '../../../src/utils/markdown-blocks'

/**
 * Lines a model writes, in the shapes where marked may still merge a block with what follows. A reference definition after its use is left
 * out: a finished block is not rendered again when it arrives (see markdown-blocks.ts).
 */
const PIECES = [
  '# Title', 'Some text with `Vec<String>` and Vec<String> and **bold**.', 'Setext heading\n---', 'text\n===',
  '- a\n- b', '- loose\n\n- list', '1. one\n2. two\n\n   continued', '3. three', '> quote\nlazy line', '> quote two',
  '```ts\nconst a: Array<number> = []\n```', '```\nplain\n```', '    indented code', '| a | b |\n|:-|-:|\n| 1 | 2 |',
  '| wide | table |\n|--|--|', '---', '***', 'see [the docs][d] and [x]',
  '<div>\n*raw* block\n</div>', '<dialog open>Sign in again</dialog>', 'a line\nand a second', '* star item',
  '- [ ] task\n- [x] done', '~~struck~~ and <b>tag</b>', '1) paren', '```py\nprint("unterminated fence")',
]

const documents = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 12 }).chain(pieces =>
  fc.tuple(fc.constant(pieces), fc.array(fc.constantFrom('\n', '\n\n', '\n\n\n'), { minLength: pieces.length, maxLength: pieces.length })))
  .map(([pieces, seps]) => pieces.map((p, i) => p + seps[i]).join(''))

/** Cuts `text` into deltas of 1..`max` characters, as a stream would deliver them. */
function deltas(text: string, sizes: number[]): string[] {
  const out: string[] = []
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = sizes[i % sizes.length]!
    out.push(text.slice(at, at + n))
    at += n
  }
  return out
}

function streamed(text: string, sizes: number[]): { blocks: MarkdownBlock[], renderer: MarkdownBlockRenderer } {
  const renderer = new MarkdownBlockRenderer()
  let so = ''
  let blocks: MarkdownBlock[] = []
  for (const d of deltas(text, sizes)) {
    so += d
    blocks = renderer.update(so)
  }
  return { blocks, renderer }
}

describe('MarkdownBlockRenderer', () => {
  it('streamed delta by delta, ends with exactly the blocks of the whole text rendered at once', () => {
    fc.assert(fc.property(documents, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), (text, sizes) => {
      expect(streamed(text, sizes).blocks).toEqual(new MarkdownBlockRenderer().update(text))
    }), { numRuns: 60 })
  }, 300_000)

  it('a paragraph whose last line marked lexes as a list for one character is kept whole (fast-check counterexample)', () => {
    const text = 'Some text with `Vec<String>` and **bold**.\n3. three\n- [ ] task\n- [x] done\n---\n> quote\nlazy line\n'
    expect(streamed(text, [1]).blocks).toEqual(new MarkdownBlockRenderer().update(text))
  })

  it('renders each finished block once: the work per update does not grow with the reply', () => {
    const paragraph = 'The quick model reads every word of the story and writes a short answer.\n\n'
    const cost = (paragraphs: number) => {
      const { renderer } = streamed(paragraph.repeat(paragraphs), [6])
      return renderer.renderedBlocks / Math.ceil(paragraph.length * paragraphs / 6)
    }
    // Blocks rendered per delta: the same for a reply 4 times longer (re-rendering everything would be 4 times more).
    expect(cost(80)).toBeLessThan(cost(20) * 1.2)
    expect(cost(80)).toBeLessThan(3)
  }, 300_000)

  it('keeps the finished blocks as the same objects between updates', () => {
    const renderer = new MarkdownBlockRenderer()
    const first = renderer.update('# A\n\nB\n\nC\n\nD')
    const second = renderer.update('# A\n\nB\n\nC\n\nD and more')
    expect(second[0]).toBe(first[0])
    expect(second[1]).toBe(first[1])
    expect(second.at(-1)).toEqual({ kind: 'html', key: 3, html: '<p>D and more</p>\n' })
  })

  it('does not render an open block again while only the block after it grows, and keeps it when it is finished', () => {
    const renderer = new MarkdownBlockRenderer()
    const first = renderer.update('# A\n\nB')
    const rendered = renderer.renderedBlocks
    const second = renderer.update('# A\n\nB and')
    expect(second[0]).toBe(first[0])
    expect(renderer.renderedBlocks).toBe(rendered + 1)
    const third = renderer.update('# A\n\nB and\n\nC')
    expect(third[0]).toBe(first[0])
    expect(third[1]).toBe(second[1])
    expect(third).toEqual(new MarkdownBlockRenderer().update('# A\n\nB and\n\nC'))
  })

  it('starts over when the text is not an extension of the last one (an answer reset, another reply)', () => {
    const renderer = new MarkdownBlockRenderer()
    renderer.update('# Old\n\nold text\n\nmore old text\n\nand more')
    expect(renderer.update('# New\n\nnew')).toEqual(new MarkdownBlockRenderer().update('# New\n\nnew'))
    renderer.update('x'.repeat(10) + '\n\n' + 'y\n\nz\n\nw')
    expect(renderer.update('q'.repeat(10) + '\n\n' + 'y\n\nz\n\nw and')).toEqual(new MarkdownBlockRenderer().update('q'.repeat(10) + '\n\ny\n\nz\n\nw and'))
  })

  it('gives top-level code blocks as text with their language, for the code block component', () => {
    expect(new MarkdownBlockRenderer().update('Intro\n\n```TypeScript title="a.ts"\nconst a = <T>(x: T) => x\n```\n')).toEqual([
      { kind: 'html', key: 0, html: '<p>Intro</p>\n' },
      { kind: 'code', key: 1, code: 'const a = <T>(x: T) => x', language: 'typescript' },
    ])
  })

  it('resolves a reference link whose definition came in an earlier, finished part of the reply', () => {
    const { blocks } = streamed('[d]: https://example.com/docs\n\nIntro\n\nMore\n\nSee [the docs][d].\n', [3])
    expect(blocks.at(-1)).toMatchObject({ html: expect.stringContaining('<a href="https://example.com/docs"') })
  })
})

describe('groupBlocks', () => {
  it('cuts a growing reply into groups in order and keeps each full group of finished blocks as the same object', () => {
    const paragraph = (i: number) => `Paragraph ${i} of a long answer.\n\n`
    const renderer = new MarkdownBlockRenderer()
    let text = ''
    let groups: MarkdownGroup[] = []
    const seen: MarkdownGroup[][] = []
    for (let i = 0; i < GROUP_BLOCKS * 3 + 5; i++) {
      text += paragraph(i)
      groups = groupBlocks(renderer.update(text), groups)
      seen.push(groups)
    }
    const blocks = renderer.update(text)
    expect(groups.map(g => g.key)).toEqual([0, 1, 2, 3])
    expect(groups.flatMap(g => g.blocks)).toEqual(blocks)
    expect(groups.slice(0, 3).every(g => g.blocks.length === GROUP_BLOCKS)).toBe(true)
    // The first group was full and finished many updates ago: the same object in every later result.
    const firstFull = seen.findIndex(s => s[1] !== undefined)
    for (const later of seen.slice(firstFull + 2))
      expect(later[0]).toBe(groups[0])
    // A new text (another reply) makes new groups.
    const other = groupBlocks(new MarkdownBlockRenderer().update('Other reply'), groups)
    expect(other).toEqual([{ key: 0, blocks: [{ kind: 'html', key: 0, html: '<p>Other reply</p>\n' }] }])
  })
})

