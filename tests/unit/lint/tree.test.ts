/**
 * Issue 20's other rules, checked on the tree itself: files stay small (no module over 300 lines, no single-file
 * component over 150; generated files aside), and docs/architecture.md matches the tree (every `src/...` path it
 * names exists, and its layer table names every folder under src/ that holds code).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = process.cwd()
const SRC = join(ROOT, 'src')
/** Limits from issue 20 ("no module over ~300 lines, no SFC over ~150"). */
const MAX_TS_LINES = 300
const MAX_VUE_LINES = 150

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').length - (readFileSync(path, 'utf8').endsWith('\n') ? 1 : 0)
const files = walk(SRC).map(p => relative(ROOT, p))

describe('the tree (issue 20)', () => {
  it(`no hand-written module over ${MAX_TS_LINES} lines, no SFC over ${MAX_VUE_LINES}`, () => {
    const tooLong = files
      .filter(f => (f.endsWith('.ts') && !f.includes('.generated.')) || f.endsWith('.vue'))
      .map(f => ({ f, n: lines(join(ROOT, f)), max: f.endsWith('.vue') ? MAX_VUE_LINES : MAX_TS_LINES }))
      .filter(x => x.n > x.max)
      .map(x => `${x.f}: ${x.n} lines (limit ${x.max})`)
    expect(tooLong).toEqual([])
  })

  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8')

  it('every src/ path docs/architecture.md names exists', () => {
    const named = [...new Set([...doc.matchAll(/`(src\/[\w./-]+?)(?:#\w+)?`/g)].map(m => m[1]!))]
    expect(named.length).toBeGreaterThan(20)
    const missing = named.filter((p) => {
      try {
        statSync(join(ROOT, p))
        return false
      }
      catch {
        return true
      }
    })
    expect(missing).toEqual([])
  })

  it('the layer table names every folder of src/ that holds code', () => {
    const table = doc.slice(doc.indexOf('| folder (`src/`)'), doc.indexOf('**The rule is enforced.**'))
    const topFolders = [...new Set(files.map(f => f.split('/')[1]!).filter(name => statSync(join(SRC, name)).isDirectory()))]
    const workers = [...new Set(files.filter(f => f.startsWith('src/workers/')).map(f => f.split('/')[2]!))]
    const unnamed = [
      ...topFolders.filter(d => d !== 'workers' && !table.includes(`\`${d}/\``)),
      ...workers.map(w => `workers/${w}`).filter(w => !table.includes(`\`${w}/\``)),
    ]
    expect(unnamed).toEqual([])
  })
})
