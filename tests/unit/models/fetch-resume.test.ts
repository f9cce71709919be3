/**
 * fetchToOpfs over an in-memory "OPFS" and a scripted HTTP server: resume with Range from the bytes on disk, the
 * hasher continued from its IndexedDB checkpoint (fake-indexeddb), a full disk mapped to storage_quota with the
 * partial kept, a wrong size refused, 404 as model_not_found. The browser-level version runs in tests/e2e/library.spec.ts.
 */
import 'fake-indexeddb/auto'
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const disk = new Map<string, Uint8Array>()
let quotaBytes = Infinity

vi.mock('../../../src/models/opfs-store', () => ({
  modelFileSize: async (name: string) => disk.get(name)?.length,
  openModelFile: async (name: string) => new Blob([(disk.get(name) ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>]),
}))
vi.mock('../../../src/downloads/file-sink', () => ({
  openFileSink: async (name: string, offset: number) => {
    let bytes = (disk.get(name) ?? new Uint8Array(0)).slice(0, offset)
    disk.set(name, bytes)
    return {
      get sizeBytes() { return bytes.length },
      preallocated: false,
      async write(chunk: Uint8Array) {
        if (bytes.length + chunk.length > quotaBytes)
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
        const next = new Uint8Array(bytes.length + chunk.length)
        next.set(bytes)
        next.set(chunk, bytes.length)
        bytes = next
        disk.set(name, bytes)
      },
      async flush() {},
      async close() {},
    }
  },
}))

const { fetchToOpfs } = await import('../../../src/downloads/fetch-resume')
const { getCheckpoint, putCheckpoint } = await import('../../../src/models/manifest')
const { createSHA256 } = await import('hash-wasm')

const FILE = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251)
FILE.set([0x47, 0x47, 0x55, 0x46])
const SHA = createHash('sha256').update(FILE).digest('hex')
const ranges: Array<string | null> = []

/** Serves FILE with Range support; `dropAt` cuts the first full response after that many bytes. */
function serve({ dropAt, status }: { dropAt?: number, status?: number } = {}) {
  let dropsLeft = dropAt === undefined ? 0 : 1
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit = {}) => {
    const range = new Headers(init.headers).get('range')
    ranges.push(range)
    if (status)
      return new Response('no', { status })
    const start = Number(/bytes=(\d+)-/.exec(range ?? '')?.[1] ?? 0)
    if (start >= FILE.length)
      return new Response('', { status: 416 })
    const body = FILE.slice(start)
    const cut = dropsLeft-- > 0 ? dropAt! - start : body.length
    let at = 0
    // pull(), not start(): an error in start() would drop the chunks queued before it.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= cut)
          return cut < body.length ? controller.error(new TypeError('network error')) : controller.close()
        controller.enqueue(body.slice(at, Math.min(at + 16_384, cut)))
        at += 16_384
      },
    })
    return new Response(stream, { status: range ? 206 : 200 })
  })
}

const target = (name: string, sizeBytes = FILE.length) => ({ url: 'http://hub/file.gguf', fileName: name, sizeBytes })

beforeEach(() => {
  disk.clear()
  ranges.length = 0
  quotaBytes = Infinity
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('fetchToOpfs', () => {
  it('resumes a dropped connection with Range from the bytes on disk; the hash matches', async () => {
    serve({ dropAt: 150_000 })
    expect(await fetchToOpfs(target('a'), { retryDelayMs: 1 })).toBe(SHA)
    expect(ranges).toEqual([null, 'bytes=150000-'])
    expect(disk.get('a')).toEqual(FILE)
  })

  it('continues the hash from the checkpoint after a full disk, keeping the partial file', async () => {
    serve()
    quotaBytes = 100_000
    await expect(fetchToOpfs(target('b'), { retryDelayMs: 1 })).rejects.toMatchObject({ code: 'storage_quota' })
    const kept = disk.get('b')!.length
    expect(kept).toBeGreaterThan(0)
    expect((await getCheckpoint('b'))?.offsetBytes).toBe(kept)
    quotaBytes = Infinity
    expect(await fetchToOpfs(target('b'), { retryDelayMs: 1 })).toBe(SHA)
    expect(ranges.at(-1)).toBe(`bytes=${kept}-`)
  })

  it('re-hashes partial bytes the checkpoint does not cover', async () => {
    serve()
    disk.set('c', FILE.slice(0, 123_457))
    expect(await fetchToOpfs(target('c'))).toBe(SHA)
    expect(ranges).toEqual(['bytes=123457-'])
  })

  it('after a crash in a file sized up front, continues from the checkpoint, not from the file\'s length', async () => {
    serve()
    const received = 100_000
    const sized = new Uint8Array(FILE.length) // the length it was given; zeros past the bytes received
    sized.set(FILE.slice(0, received))
    disk.set('h', sized)
    const hasher = await createSHA256()
    hasher.init()
    hasher.update(FILE.slice(0, received))
    await putCheckpoint('h', { offsetBytes: received, state: hasher.save(), preallocated: true })
    expect(await fetchToOpfs(target('h'))).toBe(SHA)
    expect(ranges).toEqual([`bytes=${received}-`])
    expect(disk.get('h')).toEqual(FILE)
  })

  it('refuses a file longer than the hub said, and a file shorter (416 on resume)', async () => {
    serve()
    await expect(fetchToOpfs(target('d', FILE.length - 10))).rejects.toMatchObject({ code: 'integrity_failed', message: expect.stringContaining('Wrong size') })
    await expect(fetchToOpfs(target('e', FILE.length + 10), { retryDelayMs: 1 })).rejects.toMatchObject({ code: 'integrity_failed' })
  })

  it('answers 404 with model_not_found and gives up after the retries on 503', async () => {
    serve({ status: 404 })
    await expect(fetchToOpfs(target('f'))).rejects.toMatchObject({ code: 'model_not_found' })
    serve({ status: 503 })
    await expect(fetchToOpfs(target('g'), { retries: 2, retryDelayMs: 1 })).rejects.toMatchObject({ code: 'download_failed' })
    expect(ranges.filter(r => r === null)).toHaveLength(1 + 3)
  })
})
