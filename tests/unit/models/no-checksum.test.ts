/**
 * Issue 17 item 9: a hub file without LFS metadata has no published SHA-256. It used to be accepted silently and
 * Verify then said "matches its SHA-256". Now the download says no checksum was published, the hash of the bytes
 * received is pinned (sha256Source 'computed') so later checks see any change, and Verify says what it compared with.
 *
 * The hub is a small HTTP server answering the tree listing @huggingface/hub's listFiles asks for (so hubFilesInfo is
 * the real one); OPFS is a map of blobs; the manifest is the real one over fake-indexeddb.
 */
import 'fake-indexeddb/auto'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

const disk = new Map<string, Blob>()
/** The bytes the fake network delivers for each path. */
const served = new Map<string, Uint8Array<ArrayBuffer>>()

vi.mock('../../../src/models/opfs-store', () => ({
  deleteModelFile: vi.fn(async (name: string) => { disk.delete(name) }),
  modelFileSize: vi.fn(async (name: string) => disk.get(name)?.size),
  openModelFile: vi.fn(async (name: string) => {
    const blob = disk.get(name)
    if (!blob)
      throw new DOMException('gone', 'NotFoundError')
    return blob
  }),
}))
vi.mock('../../../src/downloads/fetch-resume', () => ({
  fetchToOpfs: vi.fn(async (target: { path: string, fileName: string }) => {
    const bytes = served.get(target.path)!
    disk.set(target.fileName, new Blob([bytes]))
    return createHash('sha256').update(bytes).digest('hex')
  }),
}))
vi.mock('../../../src/models/storage', () => ({ ensureSpace: vi.fn(async () => undefined), requestPersist: vi.fn(async () => true) }))
vi.mock('../../../src/models/gguf', () => ({
  blobSource: (blob: Blob) => blob,
  validateGguf: vi.fn(async () => ({ ok: true, summary: { architecture: 'llama', parameterCount: 1, hasChatTemplate: false } })),
}))
vi.mock('../../../src/models/hub-client', async (importOriginal) => ({
  ...await importOriginal<typeof import('../../../src/models/hub-client')>(),
  hubCommit: vi.fn(async () => 'c'.repeat(40)),
}))

const { downloadModel } = await import('../../../src/downloads/downloader')
const { publishedSha256 } = await import('../../../src/models/hub-client')
const { verifiedNotice, verifyStoredModel } = await import('../../../src/services/library/library-checks')
const { checksumSource, deleteStoredModel, getStoredModel, listStoredModels } = await import('../../../src/models/manifest')

const BYTES = new TextEncoder().encode('GGUF and some tensor bytes')
const SHA = createHash('sha256').update(BYTES).digest('hex')

/** What the hub lists for the file: `lfs` absent for a plain git file. */
let listing: Record<string, unknown> = {}
let server: Server
let hubUrl = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.includes('/tree/')) {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify([{ type: 'file', path: 'm.gguf', size: BYTES.length, oid: 'a'.repeat(40), ...listing }]))
      return
    }
    res.statusCode = 404
    res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

beforeEach(async () => {
  disk.clear()
  served.set('m.gguf', BYTES)
  for (const e of await listStoredModels())
    await deleteStoredModel(e.ref.id)
})

const MODEL = { id: 'o/r/m.gguf', repo: 'o/r', file: 'm.gguf' }

async function download() {
  const notices: string[] = []
  const entry = await downloadModel(MODEL, { hubUrl, onNotice: m => void notices.push(m) })
  return { entry, notices }
}

describe('a hub file with no published SHA-256', () => {
  it.each([
    ['no LFS metadata', {}],
    ['an LFS oid that is not a SHA-256', { lfs: { oid: 'not-a-hash', size: BYTES.length } }],
    ['an empty LFS oid', { lfs: { oid: '', size: BYTES.length } }],
  ])('with %s: says so, pins the hash of what was received, and records it as computed', async (_what, lfs) => {
    listing = lfs
    const { entry, notices } = await download()

    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(/published no SHA-256 checksum for m\.gguf/)
    expect(entry.state).toBe('ready')
    expect(entry.files?.[0]).toMatchObject({ sha256: SHA, sha256Source: 'computed' })
    expect(entry.sha256).toBe(SHA)
    expect(checksumSource((await getStoredModel(MODEL.id))!)).toBe('computed')
  })

  it('Verify says no checksum was published and never claims the file matches a published one', async () => {
    listing = {}
    const { entry } = await download()
    const notice = verifiedNotice(await verifyStoredModel(entry))
    expect(notice).toMatch(/No checksum was published/)
    expect(notice).not.toMatch(/matches its SHA-256|publisher gave|^Verified/)
  })

  it('the pinned hash catches a later change of the bytes', async () => {
    listing = {}
    const { entry } = await download()
    disk.set(entry.fileName, new Blob([BYTES.map((b, i) => (i === 5 ? b ^ 1 : b))]))
    await expect(verifyStoredModel(entry)).rejects.toMatchObject({ code: 'integrity_failed' })
  })

  it('a published SHA-256 (any case) is checked and recorded as published, with no notice', async () => {
    listing = { lfs: { oid: SHA.toUpperCase(), size: BYTES.length } }
    const { entry, notices } = await download()
    expect(notices).toEqual([])
    expect(entry.files?.[0]).toMatchObject({ sha256: SHA, sha256Source: 'published' })
    expect(verifiedNotice(entry)).toMatch(/^Verified: .* matches the SHA-256 its publisher gave/)
  })

  it('a published SHA-256 the bytes do not match is still refused', async () => {
    listing = { lfs: { oid: 'f'.repeat(64), size: BYTES.length } }
    await expect(download()).rejects.toMatchObject({ code: 'integrity_failed' })
    expect(await getStoredModel(MODEL.id)).toBeUndefined()
  })

  it('reads an LFS oid as a SHA-256 only when it is 64 hex digits', () => {
    expect(publishedSha256(undefined)).toBeUndefined()
    expect(publishedSha256('')).toBeUndefined()
    expect(publishedSha256('g'.repeat(64))).toBeUndefined()
    expect(publishedSha256(`${SHA}\n`)).toBeUndefined()
    expect(publishedSha256(42)).toBeUndefined()
    expect(publishedSha256(SHA.toUpperCase())).toBe(SHA)
  })

  it('entries stored before this was recorded say only that the bytes match what was recorded', () => {
    const old = { ref: MODEL, fileName: 'x', sizeBytes: 1, sha256: SHA, state: 'ready' as const, hasChatTemplate: false, storedAt: 0 }
    expect(checksumSource(old)).toBe('unknown')
    expect(verifiedNotice(old)).toMatch(/matches the SHA-256 recorded when it was stored/)
  })
})
