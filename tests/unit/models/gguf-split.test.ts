/** The e2e fixture's GGUF splitter writes parts our header reader accepts, with every tensor in exactly one part. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readGgufHeader, validateGguf, type ByteSource } from '../../../src/models/gguf'
import { splitGguf } from '../../e2e/gguf-split'

const stories = readFileSync('/work/shared/models/stories260K.gguf')
const src = (b: Uint8Array): ByteSource => ({ sizeBytes: b.length, read: async (o, n) => b.slice(o, o + n) })

describe('splitGguf (e2e fixture)', () => {
  it('splits stories260K into two complete parts carrying the split keys', async () => {
    const whole = await readGgufHeader(src(stories))
    const parts = splitGguf(stories, 2)
    const headers = await Promise.all(parts.map(p => readGgufHeader(src(p))))
    expect(headers.map(h => h.metadata['split.no'])).toEqual([0, 1])
    expect(headers.every(h => h.metadata['split.count'] === 2 && h.metadata['split.tensors.count'] === whole.tensorCount)).toBe(true)
    expect(headers.flatMap(h => h.tensors.map(t => t.name)).sort()).toEqual(whole.tensors.map(t => t.name).sort())
    headers.forEach((h, i) => expect(parts[i]!.length).toBeGreaterThanOrEqual(h.dataEndBytes))
    const first = await validateGguf(src(parts[0]!))
    expect(first.ok && first.summary.architecture).toBe('llama')
  })
})
