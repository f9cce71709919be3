/** Every error code the app can show has a section in docs/troubleshooting.md, where its message points users. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../src/shared/errors'

const doc = readFileSync(new URL('../../../docs/troubleshooting.md', import.meta.url), 'utf8')
const sections = new Set([...doc.matchAll(/^## (\S+)$/gm)].map(m => m[1]))

describe('docs/troubleshooting.md', () => {
  it.each(ERROR_CODES)('has a section for %s', (code) => {
    expect(sections.has(code)).toBe(true)
  })

  it('has no section for a code the app does not have', () => {
    expect([...sections].filter(s => !(ERROR_CODES as readonly string[]).includes(s!))).toEqual([])
  })
})
