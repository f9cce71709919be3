/**
 * The mirror's Hub-like CDN mode (server/mirror-cdn.ts) on real HTTP servers: `/resolve/` answers 302 to a signed,
 * expiring URL on a second origin, which serves the bytes (Range, faults) and refuses expired or forged URLs; the
 * official `@huggingface/hub` client downloads through the redirect. The per-connection cap is checked with fake
 * timers (no stopwatch in the test suite).
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { downloadFile } from '@huggingface/hub'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createHubMirror, type HubMirror } from '../../../server/hub-mirror'
import { throttle } from '../../../server/mirror-cdn'

const SHARED_GGUF = '/work/shared/models/stories260K.gguf'
const GGUF = 'stories260K.gguf'
const GGUF_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d'
const GGUF_SIZE = 1185376

let dir: string
let mirror: HubMirror
let server: Server
let origin: string
const cdnPort = 40_000 + Math.floor(Math.random() * 20_000)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mirror-cdn-'))
  await symlink(SHARED_GGUF, join(dir, GGUF))
  mirror = createHubMirror({ modelsDir: dir, cdn: { port: cdnPort, capBytesPerSecond: 0, ttlSeconds: 3600 }, faultControl: true })
  await mirror.cdn!.listening
  server = createServer((req, res) => mirror.middleware(req, res, () => res.writeHead(404).end()))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
  await mirror.cdn?.close()
  await rm(dir, { recursive: true, force: true })
})

const resolveUrl = () => `${origin}/local/models/resolve/main/${GGUF}`

describe('the mirror in CDN mode', () => {
  it('redirects /resolve/ to a signed URL on another origin, with the file\'s facts on the 302', async () => {
    const res = await fetch(resolveUrl(), { redirect: 'manual' })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(location.port).toBe(String(cdnPort))
    expect(location.origin).not.toBe(origin)
    expect(location.searchParams.get('Expires')).toMatch(/^\d+$/)
    expect(location.searchParams.get('Signature')).toMatch(/^[0-9a-f]{64}$/)
    expect(res.headers.get('x-linked-size')).toBe(String(GGUF_SIZE))
    expect(res.headers.get('x-linked-etag')).toBe(`"${GGUF_SHA256}"`)
  })

  it('serves the bytes at the signed URL with Range and CORS, and the hub client downloads through the redirect', async () => {
    const ranged = await fetch(resolveUrl(), { headers: { Range: 'bytes=100-199' } })
    expect(ranged.status).toBe(206)
    expect(ranged.redirected).toBe(true)
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${GGUF_SIZE}`)
    expect(ranged.headers.get('access-control-allow-origin')).toBe('*')
    expect((await ranged.arrayBuffer()).byteLength).toBe(100)
    const blob = await downloadFile({ repo: 'local/models', path: GGUF, hubUrl: origin })
    expect(createHash('sha256').update(new Uint8Array(await blob!.arrayBuffer())).digest('hex')).toBe(GGUF_SHA256)
  })

  it('refuses an expired URL and a forged one with 403, as S3 and CloudFront do', async () => {
    mirror.cdn!.options.ttlSeconds = -10
    const expired = (await fetch(resolveUrl(), { redirect: 'manual' })).headers.get('location')!
    mirror.cdn!.options.ttlSeconds = 3600
    const res = await fetch(expired)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('Request has expired')
    const good = new URL((await fetch(resolveUrl(), { redirect: 'manual' })).headers.get('location')!)
    good.searchParams.set('Expires', String(Number(good.searchParams.get('Expires')) + 3600))
    expect((await fetch(good)).status).toBe(403)
  })

  it('changes the cap and expiry of a running mirror through /__mirror/cdn', async () => {
    const res = await fetch(`${origin}/__mirror/cdn`, { method: 'PUT', body: JSON.stringify({ capBytesPerSecond: 1234 }) })
    expect(await res.json()).toMatchObject({ port: cdnPort, capBytesPerSecond: 1234 })
    expect(mirror.cdn!.options.capBytesPerSecond).toBe(1234)
    await fetch(`${origin}/__mirror/cdn`, { method: 'PUT', body: JSON.stringify({ capBytesPerSecond: 0 }) })
  })
})

describe('throttle', () => {
  it('holds each chunk until the bytes sent so far are due at the cap', async () => {
    vi.useFakeTimers()
    try {
      const paced = throttle(1000) // 1,000 bytes per second
      const out: number[] = []
      paced.pipe(new PassThrough()).on('data', (c: Buffer) => out.push(c.length))
      paced.write(Buffer.alloc(500)) // due at 0.5 s
      paced.write(Buffer.alloc(500)) // due at 1.0 s
      await vi.advanceTimersByTimeAsync(400)
      expect(out).toEqual([])
      await vi.advanceTimersByTimeAsync(200)
      expect(out).toEqual([500])
      await vi.advanceTimersByTimeAsync(500)
      expect(out).toEqual([500, 500])
    }
    finally {
      vi.useRealTimers()
    }
  })
})

describe('a CDN port already taken', () => {
  it('leaves the mirror serving /resolve/ directly instead of failing', async () => {
    const taken = createServer()
    await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as AddressInfo).port
    const other = createHubMirror({ modelsDir: dir, cdn: { port, capBytesPerSecond: 0, ttlSeconds: 60 } })
    await other.cdn!.listening.catch(() => undefined)
    const srv = createServer((req, res) => other.middleware(req, res, () => res.writeHead(404).end()))
    await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
    try {
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/local/models/resolve/main/${GGUF}`, { redirect: 'manual', headers: { Range: 'bytes=0-3' } })
      expect(res.status).toBe(206)
      expect(await res.text()).toBe('GGUF')
    }
    finally {
      srv.closeAllConnections()
      await new Promise(resolve => srv.close(resolve))
      await new Promise(resolve => taken.close(resolve))
    }
  })
})
