/**
 * The guides hold together: every error code the app links to has its troubleshooting section (the ErrorNotice link
 * is `#<code>`), and every relative link and anchor in docs/*.md, docs/guide/*.md and README.md points at a file and heading that exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { headingIds, slugify } from '../../../src/components/help/slug'
import { ERROR_CODES } from '../../../src/shared/errors'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const mdIn = (dir: string) => readdirSync(join(ROOT, dir)).filter(f => f.endsWith('.md')).map(f => `${dir}/${f}`)
const FILES = ['README.md', ...mdIn('docs'), ...mdIn('docs/guide')]
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

/** Markdown links and images `[text](target)` outside fenced code, with their line numbers. */
function links(markdown: string): Array<{ target: string, line: number }> {
  const out: Array<{ target: string, line: number }> = []
  let isInFence = false
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text))
      isInFence = !isInFence
    if (isInFence)
      return
    const noCode = text.replace(/`[^`]*`/g, '')
    for (const m of noCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      out.push({ target: m[1]!, line: i + 1 })
  })
  return out
}

describe('slugs', () => {
  it('match GitHub: lower case, punctuation dropped, spaces to dashes, underscores kept', () => {
    expect(slugify('model_not_found')).toBe('model_not_found')
    expect(slugify('Multi-threading off (not cross-origin isolated)')).toBe('multi-threading-off-not-cross-origin-isolated')
    expect(headingIds('# A\n## B b\n```\n# not a heading\n```\n## B b')).toEqual(['a', 'b-b', 'b-b-1'])
  })
})

describe('docs/troubleshooting.md', () => {
  const ids = new Set(headingIds(read('docs/troubleshooting.md')))
  it.each(ERROR_CODES)('has the section the app links to for %s', (code) => {
    expect(ids.has(code)).toBe(true)
  })
})

describe.each(FILES)('links in %s', (file) => {
  const found = links(read(file)).filter(l => !/^[a-z][a-z0-9+.-]*:/i.test(l.target))
  it('resolve to existing files and headings', () => {
    const broken: string[] = []
    for (const { target, line } of found) {
      const [path = '', anchor] = target.split('#')
      const targetFile = path ? relative(ROOT, resolve(dirname(join(ROOT, file)), decodeURI(path))) : file
      if (!existsSync(join(ROOT, targetFile))) {
        broken.push(`${file}:${line} ${target} (no file ${targetFile})`)
        continue
      }
      if (anchor && targetFile.endsWith('.md') && !headingIds(read(targetFile)).includes(anchor))
        broken.push(`${file}:${line} ${target} (no heading #${anchor} in ${targetFile})`)
    }
    expect(broken).toEqual([])
  })
})
