/**
 * Incremental rendering of a streamed Markdown reply (issue 16 item 4): the text is split into top-level blocks with
 * marked's lexer; a finished block is rendered and sanitised once and kept, and each update re-lexes and re-renders
 * only the open tail. The cost of an update depends on the size of the last blocks, not on the length of the reply.
 *
 * Which blocks are finished: marked may still merge a block with what follows (`- a\n\n` becomes a loose list when
 * `- b` arrives, `para\n` a heading when `---` arrives), so the last three non-blank blocks (OPEN_BLOCKS) and the
 * blank lines after them stay open; everything before them is final. A text that is not an extension of the previous one (a new reply,
 * an answer reset) starts over. Link reference definitions are carried from the finished part into the tail; a
 * definition that arrives after a finished block that uses it does not re-render that block.
 */
import type { Token } from 'marked'
import { codeLanguage } from './highlight'
import { lexModelMarkdown, renderModelTokens, type LinkDefinitions } from './markdown'

/** One top-level block, ready to show. `key` is its position among the blocks and stays with it while it grows. */
export type MarkdownBlock =
  /** Sanitised HTML (markdown.ts allow-list). */
  | { kind: 'html', key: number, html: string }
  /** A top-level code block, shown by a component (label, highlighting, Copy): `code` is raw text, never HTML. */
  | { kind: 'code', key: number, code: string, language: string }

/**
 * A group of consecutive blocks, shown in one element (ChatMarkdownBlocks). `key` is the group's position; a full group
 * of finished blocks keeps its `blocks` array from update to update.
 */
export interface MarkdownGroup {
  key: number
  blocks: MarkdownBlock[]
}

/**
 * Blocks per group. The browser lays out, paints and tests for visibility (`content-visibility: auto`) one element per
 * group rather than per block, so the work per frame of a growing reply follows the number of groups (a reply of
 * 19,000 characters has ~270 blocks, 17 groups); a full group off screen is skipped whole.
 */
export const GROUP_BLOCKS = 16

/**
 * `blocks` cut into groups of GROUP_BLOCKS, reusing a group of `previous` (the last call's result) whose blocks are
 * the same objects, so a finished group is the same object from frame to frame (a `v-memo` skips it).
 */
export function groupBlocks(blocks: readonly MarkdownBlock[], previous: readonly MarkdownGroup[]): MarkdownGroup[] {
  const groups: MarkdownGroup[] = []
  for (let key = 0; key * GROUP_BLOCKS < blocks.length; key++) {
    const slice = blocks.slice(key * GROUP_BLOCKS, (key + 1) * GROUP_BLOCKS)
    const old = previous[key]
    groups.push(old && old.blocks.length === slice.length && old.blocks.every((b, i) => b === slice[i]) ? old : { key, blocks: slice })
  }
  return groups
}

/**
 * How many non-blank blocks at the end stay open (see the header). 3, not 2: for one character marked lexes
 * `para\n3. three\n-` as a paragraph, an ordered list and a bullet list, and with `- [` the `3. three` is part of the
 * paragraph again (a list not starting at 1 cannot interrupt a paragraph); with two open blocks the paragraph was
 * finished without its last line (fast-check found it: tests/unit/utils/markdown-blocks.test.ts).
 */
const OPEN_BLOCKS = 3
/** How much of the finished text is compared to tell an extension from a new text. */
const CHECK_CHARS = 64

export class MarkdownBlockRenderer {
  private source = ''
  private finished: MarkdownBlock[] = []
  private finishedEnd = 0
  private links: LinkDefinitions = Object.create(null) as LinkDefinitions
  /**
   * The open blocks of the last update, by key and raw text, and the link definitions they were rendered with: an
   * open block whose text did not change (the one before the growing one) is not rendered again, and stays the same
   * object when it is finished.
   */
  private open = new Map<string, MarkdownBlock>()
  private openLinks = ''
  /** Blocks rendered to HTML so far (finished and open), for tests and the benchmark. */
  renderedBlocks = 0

  /** The blocks of `source`, reusing the finished blocks of the previous call when `source` extends its text. */
  update(source: string): MarkdownBlock[] {
    if (!this.extendsPrevious(source))
      this.reset()
    this.source = source
    const tail = source.slice(this.finishedEnd)
    const tokens = lexModelMarkdown(tail, this.links)
    // Blocks rendered with other link definitions (one more became known) are rendered again.
    const links = `${Object.keys(this.links).length}:${tokens.filter(t => t.type === 'def').length}`
    const last = links === this.openLinks ? this.open : new Map<string, MarkdownBlock>()
    this.open = new Map()
    this.openLinks = links
    const openFrom = this.openFrom(tail, tokens)
    let offset = this.finishedEnd
    for (const token of tokens.slice(0, openFrom)) {
      this.pushBlock(this.finished, token, this.finished.length, last)
      offset += token.raw.length
    }
    this.finishedEnd = offset
    const open: MarkdownBlock[] = []
    for (const token of tokens.slice(openFrom)) {
      const block = this.pushBlock(open, token, this.finished.length + open.length, last)
      if (block)
        this.open.set(`${block.key}:${token.raw}`, block)
    }
    return open.length ? [...this.finished, ...open] : this.finished.slice()
  }

  private reset(): void {
    this.finished = []
    this.finishedEnd = 0
    this.links = Object.create(null) as LinkDefinitions
    this.open = new Map()
  }

  /** `source` starts with the finished text of the last call (its length, its first and last characters checked). */
  private extendsPrevious(source: string): boolean {
    const end = this.finishedEnd
    if (source.length < this.source.length || source.length < end)
      return false
    const from = Math.max(0, end - CHECK_CHARS)
    return source.startsWith(this.source.slice(from, end), from) && source.startsWith(this.source.slice(0, Math.min(end, CHECK_CHARS)))
  }

  /**
   * Index of the first token that stays open. Nothing is finished when the tokens do not cover the tail exactly
   * (marked turns `\r\n` into `\n`, so offsets would drift).
   */
  private openFrom(tail: string, tokens: Token[]): number {
    if (tail.includes('\r') || tokens.reduce((n, t) => n + t.raw.length, 0) !== tail.length)
      return 0
    let seen = 0
    for (let i = tokens.length - 1; i >= 0; i--) {
      if (tokens[i]!.type !== 'space' && ++seen === OPEN_BLOCKS)
        return i
    }
    return 0
  }

  /**
   * Renders `token` as the block at `key` into `into` (nothing for a blank or a definition) and returns it; `last`:
   * the last update's open blocks, reused when the same text is at the same place.
   */
  private pushBlock(into: MarkdownBlock[], token: Token, key: number, last: Map<string, MarkdownBlock>): MarkdownBlock | undefined {
    // A finished definition is known to the blocks after it (the first definition of a label wins, as in CommonMark).
    if (token.type === 'def' && into === this.finished)
      this.links[(token.tag as string)] ??= { href: token.href as string, title: token.title as string }
    if (token.type === 'space' || token.type === 'def')
      return undefined
    let block = last.get(`${key}:${token.raw}`)
    if (!block) {
      this.renderedBlocks++
      block = token.type === 'code'
        ? { kind: 'code', key, code: token.text as string, language: codeLanguage(token.lang as string | undefined) }
        : { kind: 'html', key, html: renderModelTokens([token]) }
    }
    into.push(block)
    return block
  }
}
