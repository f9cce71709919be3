/**
 * Issue 17 item 4: the OPFS name of (repo, revision, file) is injective, so no download overwrites and no deletion
 * removes another model's file. Property tests over generated names (fast-check), plus the cases that collided.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_STORAGE_NAME, encodeNamePart, sha256Hex, storageName } from '../../../src/models/storage-name'

/** Names as a hub, a URL or a dropped file could spell them: any Unicode, punctuation, case, very long. */
const anyName = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', 'A', 'b', '-', '_', '.', '/', '~', '=', ' ', '%', 'é', 'e\u0301', 'ß', 'İ', '😀'), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
)
const triple = fc.record({ repo: anyName, revision: anyName, file: anyName })

/** The old mapping, for the names already stored. */
const legacyName = (repo: string, file: string) => `${repo}/${file}`.replace(/[^\w.-]+/g, '--').slice(-180)

describe('storageName', () => {
  it('the hub files that shared one name now have two', () => {
    const a = storageName({ repo: 'o/r', revision: 'main', file: 'a--b.gguf' })
    const b = storageName({ repo: 'o/r', revision: 'main', file: 'a/b.gguf' })
    expect(legacyName('o/r', 'a--b.gguf')).toBe(legacyName('o/r', 'a/b.gguf'))
    expect(a).not.toBe(b)
  })

  it.each([
    [{ repo: 'o/r', revision: 'main', file: 'Model.gguf' }, { repo: 'o/r', revision: 'main', file: 'model.gguf' }],
    [{ repo: 'o/r', revision: 'main', file: 'caf\u00e9.gguf' }, { repo: 'o/r', revision: 'main', file: 'cafe\u0301.gguf' }],
    [{ repo: 'o/r', revision: 'main', file: 'a b.gguf' }, { repo: 'o/r', revision: 'main', file: 'a_b.gguf' }],
    [{ repo: 'o/r~x', revision: 'main', file: 'f' }, { repo: 'o/r', revision: 'x~main', file: 'f' }],
    [{ repo: 'o/r', revision: 'abc', file: 'f.gguf' }, { repo: 'o/r', revision: 'abd', file: 'f.gguf' }],
    [{ repo: 'o/r', revision: 'main', file: `${'x'.repeat(300)}1.gguf` }, { repo: 'o/r', revision: 'main', file: `${'x'.repeat(300)}2.gguf` }],
  ])('%j and %j differ (case, Unicode form, punctuation, separator, revision, length)', (a, b) => {
    expect(storageName(a)).not.toBe(storageName(b))
  })

  it('is injective over generated names', () => {
    fc.assert(fc.property(triple, triple, (x, y) => {
      const same = x.repo === y.repo && x.revision === y.revision && x.file === y.file
      // Strings with lone surrogates are not Unicode names: TextEncoder makes them U+FFFD, as every file API does.
      const wellFormed = [x.repo, x.revision, x.file, y.repo, y.revision, y.file].every(s => s.isWellFormed())
      fc.pre(wellFormed)
      return same === (storageName(x) === storageName(y))
    }), { numRuns: 20_000 })
  })

  it('is injective where names are most alike: pairs that differ in one small edit', () => {
    const edit = fc.tuple(triple, fc.constantFrom('repo', 'revision', 'file') as fc.Arbitrary<'repo' | 'revision' | 'file'>, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }), fc.nat())
    fc.assert(fc.property(edit, ([t, key, insert, at]) => {
      const s = t[key]
      const pos = at % (s.length + 1)
      const other = { ...t, [key]: s.slice(0, pos) + insert + s.slice(pos) }
      fc.pre([t.repo, t.revision, t.file, other[key]].every(v => v.isWellFormed()))
      return storageName(t) !== storageName(other)
    }), { numRuns: 20_000 })
  })

  it('decodes back to its parts (short form), so it is injective by construction', () => {
    const decode = (part: string) => new TextDecoder().decode(Uint8Array.from(part.match(/_[0-9a-f]{2}|[^_]/g) ?? [], t => t.length === 3 ? Number.parseInt(t.slice(1), 16) : t.charCodeAt(0)))
    fc.assert(fc.property(triple, (t) => {
      fc.pre([t.repo, t.revision, t.file].every(s => s.isWellFormed()))
      const name = storageName(t)
      if (name.startsWith('='))
        return true
      const [, repo, revision, file, ...rest] = name.split('~')
      return rest.length === 0 && decode(repo!) === t.repo && decode(revision!) === t.revision && decode(file!) === t.file
    }), { numRuns: 5_000 })
  })

  it('makes short, lower-case ASCII names no old name can equal, valid on every file system', () => {
    fc.assert(fc.property(triple, (t) => {
      const name = storageName(t)
      return name.length <= MAX_STORAGE_NAME && /^[~=][a-z0-9._~-]*$/.test(name) && !/^[\w.-]*$/.test(name)
    }), { numRuns: 5_000 })
  })

  it('encodes only a-z 0-9 . - as themselves', () => {
    expect(encodeNamePart('Ab/é~ .-')).toBe('_41b_2f_c3_a9_7e_20.-')
  })

  it('hashes like SHA-256', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), s => sha256Hex(s) === createHash('sha256').update(s, 'utf8').digest('hex')), { numRuns: 2_000 })
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('a'.repeat(1_000))).toBe(createHash('sha256').update('a'.repeat(1_000)).digest('hex'))
  })
})
