/**
 * Issue 17 item 4: deleting one model never removes a file another model's entry uses. Entries stored under the old
 * naming could share a file (`a--b.gguf` and `a/b.gguf` both became `o--r--a--b.gguf`); new names cannot.
 * OPFS is replaced by a map of names; the manifest is the real one, over fake-indexeddb.
 */
import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const disk = new Map<string, string>()
vi.mock('../../../src/models/opfs-store', () => ({
  deleteModelFile: vi.fn(async (name: string) => { disk.delete(name) }),
  modelFileSize: vi.fn(async (name: string) => disk.get(name)?.length),
  openModelFile: vi.fn(),
}))

const { discardModel } = await import('../../../src/downloads/downloader')
const { listStoredModels, putStoredModel } = await import('../../../src/models/manifest')
type StoredModel = Awaited<ReturnType<typeof listStoredModels>>[number]

const entry = (file: string, fileName: string): StoredModel => ({
  ref: { id: `o/r/${file}`, repo: 'o/r', file, revision: 'main' }, fileName,
  files: [{ path: file, fileName, sizeBytes: 1, sha256: 'x' }], sizeBytes: 1, sha256: 'x', state: 'ready',
  hasChatTemplate: false, storedAt: 0,
})

describe('discardModel', () => {
  beforeEach(async () => {
    disk.clear()
    for (const e of await listStoredModels())
      await (await import('../../../src/models/manifest')).deleteStoredModel(e.ref.id)
  })

  it('keeps a file another entry also lists (two models stored under one old name)', async () => {
    const shared = 'o--r--a--b.gguf'
    disk.set(shared, 'A bytes')
    const a = entry('a--b.gguf', shared)
    const b = entry('a/b.gguf', shared)
    await putStoredModel(a)
    await putStoredModel(b)
    await discardModel(b)
    expect(disk.get(shared)).toBe('A bytes')
    expect((await listStoredModels()).map(e => e.ref.id)).toEqual(['o/r/a--b.gguf'])
    // The last entry that lists it takes the file with it.
    await discardModel(a)
    expect(disk.has(shared)).toBe(false)
  })

  it('deletes the files only this entry lists', async () => {
    disk.set('~mine', 'x').set('~theirs', 'y')
    await putStoredModel(entry('mine.gguf', '~mine'))
    await putStoredModel(entry('theirs.gguf', '~theirs'))
    await discardModel(entry('mine.gguf', '~mine'))
    expect([...disk.keys()]).toEqual(['~theirs'])
  })
})
