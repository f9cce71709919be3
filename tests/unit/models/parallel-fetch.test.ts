/**
 * Downloads over parallel ranged connections (src/downloads/parallel-fetch.ts through fetchToOpfs), against a scripted
 * Hub: `/resolve/` redirects to a signed CDN URL that can expire, ranges can arrive out of order, connections can
 * drop. Every test checks the SHA-256 of the whole file and the bytes on "disk". The browser-level version runs in
 * tests/e2e/library.spec.ts against the mirror's CDN mode (server/mirror-cdn.ts).
 */
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fetchToOpfs, type DownloadStorage } from '../../../src/downloads/fetch-resume'
import type { HashCheckpoint } from '../../../src/models/manifest'
import { missingRanges } from '../../../src/downloads/parallel-fetch'

const SIZE = 400_000
const FILE = new Uint8Array(SIZE).map((_, i) => (i * 7919 + (i >> 9)) % 251)
FILE.set([0x47, 0x47, 0x55, 0x46])
const SHA = createHash('sha256').update(FILE).digest('hex')
const SEGMENT = 40_000
const HUB = 'http://hub/org/repo/resolve/main/model.gguf'

/** An in-memory disk with random access and checkpoints, as OPFS + IndexedDB give the download worker. */
function memoryStorage() {
  const files = new Map<string, Uint8Array>()
  const checkpoints = new Map<string, HashCheckpoint>()
  let readBacks = 0
  const storage: DownloadStorage = {
    fileSize: async name => files.get(name)?.length,
    readSlice: async (name, start, end) => new Blob([files.get(name)!.slice(start, end)]),
    openSink: async () => { throw new Error('a parallel download must not open a sequential sink') },
    getCheckpoint: async name => checkpoints.get(name),
    putCheckpoint: async (name, c) => void checkpoints.set(name, structuredClone(c)),
    deleteCheckpoint: async name => void checkpoints.delete(name),
    openRandomAccess: async (name, sizeBytes) => {
      const old = files.get(name) ?? new Uint8Array(0)
      const bytes = new Uint8Array(sizeBytes)
      bytes.set(old.subarray(0, sizeBytes))
      files.set(name, bytes)
      return {
        writeAt: (chunk, at) => void bytes.set(chunk, at),
        readAt: (into, at) => {
          readBacks++
          const n = Math.min(into.length, sizeBytes - at)
          into.set(bytes.subarray(at, at + n))
          return n
        },
        flush: () => {},
        close: () => {},
      }
    },
  }
  return { storage, files, checkpoints, readBacks: () => readBacks }
}

interface Hub {
  /** Every request: the URL asked and its Range. */
  log: Array<{ url: string, range: string | null }>
  /** Ranges starting here wait this long before their first byte (ms): later ranges then land first. */
  delayAt: Map<number, number>
  /** Ranges starting here drop after this many bytes, once. */
  dropAt: Map<number, number>
  /** CDN URLs issued so far; the ones in `expired` answer 403. */
  issued: number
  expired: Set<string>
}

/** The Hub: `HUB` answers 302 to `http://cdn/signed/<n>`; the CDN sends the bytes (206) in 10,000-byte chunks. */
function serveHub(): Hub {
  const hub: Hub = { log: [], delayAt: new Map(), dropAt: new Map(), issued: 0, expired: new Set() }
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const range = new Headers(init.headers).get('range')
    hub.log.push({ url, range })
    let finalUrl = url
    let redirected = false
    if (url === HUB) {
      finalUrl = `http://cdn/signed/${++hub.issued}`
      redirected = true
    }
    else if (hub.expired.has(url)) {
      return new Response('AccessDenied: Request has expired', { status: 403 })
    }
    const [, a, b] = /bytes=(\d+)-(\d*)/.exec(range ?? '') ?? []
    const start = Number(a ?? 0)
    const end = b ? Number(b) + 1 : SIZE
    const delay = hub.delayAt.get(start) ?? 0
    const drop = hub.dropAt.get(start)
    hub.dropAt.delete(start)
    let at = start
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (at === start && delay)
          await new Promise(r => setTimeout(r, delay))
        if (drop !== undefined && at >= start + drop)
          return controller.error(new TypeError('network error'))
        if (at >= end)
          return controller.close()
        controller.enqueue(FILE.slice(at, Math.min(at + 10_000, end)))
        at += 10_000
      },
    })
    const res = new Response(stream, { status: range ? 206 : 200, headers: range ? { 'Content-Range': `bytes ${start}-${end - 1}/${SIZE}` } : {} })
    Object.defineProperty(res, 'redirected', { value: redirected })
    Object.defineProperty(res, 'url', { value: finalUrl })
    return res
  })
  return hub
}

const target = { url: HUB, fileName: 'model.gguf', sizeBytes: SIZE }
const parallel = { parallelFromBytes: 1, segmentBytes: SEGMENT, retryDelayMs: 1 }

beforeEach(() => {
  vi.useRealTimers()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('missingRanges', () => {
  it('cuts the gaps between the ranges on disk into segments', () => {
    expect(missingRanges([], 250, 100)).toEqual([[0, 100], [100, 200], [200, 250]])
    expect(missingRanges([[0, 120], [150, 160]], 250, 100)).toEqual([[120, 150], [160, 250]])
    expect(missingRanges([[0, 250]], 250, 100)).toEqual([])
  })
})

describe('fetchToOpfs over parallel ranged connections', () => {
  it('writes ranges that land out of order at their offsets and hashes every byte in order', async () => {
    const hub = serveHub()
    hub.delayAt.set(0, 150) // the first range arrives last: the hasher must read the others back from the file
    const { storage, files, readBacks } = memoryStorage()
    expect(await fetchToOpfs(target, { ...parallel, storage, initialConnections: 4, maxConnections: 4 })).toBe(SHA)
    expect(files.get('model.gguf')).toEqual(FILE)
    expect(readBacks()).toBeGreaterThan(0)
    const ranges = hub.log.map(r => r.range).sort((x, y) => Number(/\d+/.exec(x!)![0]) - Number(/\d+/.exec(y!)![0]))
    expect(ranges).toEqual(missingRanges([], SIZE, SEGMENT).map(([s, e]) => `bytes=${s}-${e - 1}`))
  })

  it('follows the redirect once and reuses the CDN URL; an expired one is resolved again at the hub', async () => {
    const hub = serveHub()
    const { storage } = memoryStorage()
    // The URL the hub issues first expires after its first use.
    const realFetch = globalThis.fetch
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const res = await realFetch(url, init)
      if (url === 'http://cdn/signed/1')
        hub.expired.add(url)
      return res
    })
    expect(await fetchToOpfs(target, { ...parallel, storage, maxConnections: 1 })).toBe(SHA)
    const urls = hub.log.map(r => r.url)
    expect(urls[0]).toBe(HUB)
    expect(urls).toContain('http://cdn/signed/1')
    // After the 403 the hub was asked again, and the new URL carried the rest.
    expect(urls.filter(u => u === HUB).length).toBeGreaterThanOrEqual(2)
    expect(urls).toContain('http://cdn/signed/2')
  })

  it('resumes after an interruption with only the missing bytes, from the checkpointed prefix hash and ranges', async () => {
    const hub = serveHub()
    hub.dropAt.set(3 * SEGMENT, 15_000) // one range breaks half-way and, with no retries, stops the download
    hub.delayAt.set(0, 50)
    const { storage, files, checkpoints } = memoryStorage()
    await expect(fetchToOpfs(target, { ...parallel, storage, retries: 0, initialConnections: 4, maxConnections: 4 })).rejects.toMatchObject({ code: 'download_failed' })
    const saved = checkpoints.get('model.gguf')!
    expect(saved.preallocated).toBe(true)
    const kept = saved.offsetBytes + (saved.ranges ?? []).reduce((n, [s, e]) => n + e - s, 0)
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(SIZE)
    hub.log.length = 0
    expect(await fetchToOpfs(target, { ...parallel, storage })).toBe(SHA)
    expect(files.get('model.gguf')).toEqual(FILE)
    // Exactly the gaps were asked for again: nothing that was on disk, and all that was not.
    const asked = hub.log.filter(r => r.url === HUB || r.url.startsWith('http://cdn/')).map(r => r.range)
    const gaps = missingRanges([[0, saved.offsetBytes], ...(saved.ranges ?? [])], SIZE, SEGMENT)
    expect(asked.sort()).toEqual(gaps.map(([s, e]) => `bytes=${s}-${e - 1}`).sort())
  })

  it('checks the hash against the bytes, not the ranges: a flipped byte in a late range changes it', async () => {
    serveHub()
    const realFetch = globalThis.fetch
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const res = await realFetch(url, init)
      const range = new Headers(init?.headers).get('range')
      if (range !== `bytes=${5 * SEGMENT}-${6 * SEGMENT - 1}`)
        return res
      const bytes = new Uint8Array(await res.arrayBuffer())
      bytes[7] = bytes[7]! ^ 0xFF
      return new Response(bytes, { status: 206, headers: res.headers })
    })
    const { storage } = memoryStorage()
    const digest = await fetchToOpfs(target, { ...parallel, storage })
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(digest).not.toBe(SHA)
  })

  it('falls back to one stream when the server ignores Range', async () => {
    vi.stubGlobal('fetch', async () => new Response(FILE.slice(), { status: 200 }))
    const { storage } = memoryStorage()
    // The storage has no sequential sink here, so the fallback shows as that error; the app's storage has one.
    await expect(fetchToOpfs(target, { ...parallel, storage })).rejects.toThrow(/sequential sink/)
  })
})
