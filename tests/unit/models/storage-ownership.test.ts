/**
 * Issue 17 item 4: deleting one model never removes a file another model's entry uses, and a download never writes
 * over one. Entries stored under the old naming could share a file (`a--b.gguf` and `a/b.gguf` both became
 * `o--r--a--b.gguf`); new names cannot, but an old entry can hold the name a new download maps to.
 * OPFS is replaced by a map of names, the network by a fetch that writes the served bytes and the hub by a fixed
 * commit and file size; the manifest is the real one, over fake-indexeddb.
 */
import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const disk = new Map<string, string>()
vi.mock('../../../src/models/opfs-store', () => ({
  deleteModelFile: vi.fn(async (name: string) => { disk.delete(name) }),
  modelFileSize: vi.fn(async (name: string) => disk.get(name)?.length),
  openModelFile: vi.fn(),
}))
/** Every file the fake network wrote, by storage name. */
const fetched: string[] = []
vi.mock('../../../src/downloads/fetch-resume', () => ({
  fetchToOpfs: vi.fn(async (target: { fileName: string }) => {
    fetched.push(target.fileName)
    disk.set(target.fileName, 'B bytes')
    return 'b'.repeat(64)
  }),
}))
vi.mock('../../../src/models/storage', () => ({ ensureSpace: vi.fn(async () => undefined), requestPersist: vi.fn(async () => true) }))
vi.mock('../../../src/models/hub-client', async importOriginal => ({
  ...await importOriginal<typeof import('../../../src/models/hub-client')>(),
  hubCommit: vi.fn(async () => 'c'.repeat(40)),
  hubFilesInfo: vi.fn(async (_ref: unknown, paths: string[]) => paths.map(() => ({ sizeBytes: 7, sha256: 'b'.repeat(64) }))),
}))

const { discardModel, downloadModel } = await import('../../../src/downloads/downloader')
const { storageName } = await import('../../../src/models/storage-name')
const { listStoredModels, putStoredModel } = await import('../../../src/models/manifest')
type StoredModel = Awaited<ReturnType<typeof listStoredModels>>[number]

const entry = (file: string, fileName: string): StoredModel => ({
  ref: { id: `o/r/${file}`, repo: 'o/r', file, revision: 'main' }, fileName,
  files: [{ path: file, fileName, sizeBytes: 1, sha256: 'x' }], sizeBytes: 1, sha256: 'x', state: 'ready',
  hasChatTemplate: false, storedAt: 0,
})

beforeEach(async () => {
  disk.clear()
  fetched.length = 0
  for (const e of await listStoredModels())
    await (await import('../../../src/models/manifest')).deleteStoredModel(e.ref.id)
})

describe('discardModel', () => {
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

describe('downloadModel', () => {
  it('refuses a storage name another model\'s entry already uses, and leaves that file alone', async () => {
    // An entry stored under an old name that happens to be the name the new download maps to.
    const taken = storageName({ repo: 'o/r', revision: 'c'.repeat(40), file: 'b.gguf' })
    disk.set(taken, 'A bytes')
    await putStoredModel(entry('a.gguf', taken))
    const err = await downloadModel({ id: 'o/r/b.gguf', repo: 'o/r', file: 'b.gguf', revision: 'main' }, { hubUrl: 'http://hub.test' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'download_failed', message: expect.stringContaining('used by another stored model') })
    expect(fetched).toEqual([])
    expect(disk.get(taken)).toBe('A bytes')
    expect((await listStoredModels()).map(e => e.ref.id)).toEqual(['o/r/a.gguf'])
  })

  it('downloads a model whose storage name no other entry uses', async () => {
    await putStoredModel(entry('a.gguf', '~a'))
    await downloadModel({ id: 'o/r/b.gguf', repo: 'o/r', file: 'b.gguf', revision: 'main' }, { hubUrl: 'http://hub.test' }).catch(() => undefined)
    expect(fetched).toEqual([storageName({ repo: 'o/r', revision: 'c'.repeat(40), file: 'b.gguf' })])
  })
})
