/**
 * The mirror's test-only fault injection over real HTTP: off unless asked for, a cut connection, a flipped byte, a
 * wrong advertised size, an injected status, and the request log with Range headers.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listFiles } from '@huggingface/hub'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHubMirror } from '../../../server/hub-mirror'

const GGUF = 'stories260K.gguf'
let dir: string
let bytes: Buffer
const servers: Server[] = []

async function start(faultControl?: boolean): Promise<string> {
  const mirror = createHubMirror({ modelsDir: dir, ...(faultControl !== undefined && { faultControl }) })
  const server = createServer((req, res) => mirror.middleware(req, res, () => res.writeHead(404).end('next')))
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A GET that reports how many body bytes arrived before the connection ended or was cut. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Buffer, isCut: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), isCut: false }))
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), isCut: true }))
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), isCut: true }))
    })
    req.on('error', reject)
    req.end()
  })
}

let url: string
const arm = (faults: unknown) => fetch(`${url}/__mirror/faults`, { method: 'PUT', body: JSON.stringify(faults) })
const log = async () => (await (await fetch(`${url}/__mirror/faults`)).json()) as { requests: Array<{ path: string, range?: string }> }
const fileUrl = () => `${url}/local/models/resolve/main/${GGUF}`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mirror-faults-'))
  await copyFile(`/work/shared/models/${GGUF}`, join(dir, GGUF))
  bytes = await readFile(join(dir, GGUF))
  url = await start(true)
})

beforeEach(async () => {
  await fetch(`${url}/__mirror/faults`, { method: 'DELETE' })
})

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
  await rm(dir, { recursive: true, force: true })
})

describe('mirror fault injection', () => {
  it('does not exist unless enabled: the control URL falls through to next()', async () => {
    const plain = await start(false)
    const res = await fetch(`${plain}/__mirror/faults`, { method: 'PUT', body: '{}' })
    expect(await res.text()).toBe('next')
  })

  it('cuts the connection at the armed byte once; a Range request then gets the rest', async () => {
    await arm({ [GGUF]: { dropAtBytes: 500_000 } })
    const first = await get(fileUrl())
    expect(first.isCut || first.body.length < bytes.length).toBe(true)
    expect(first.body.length).toBe(500_000)
    const rest = await get(fileUrl(), { Range: 'bytes=500000-' })
    expect(rest.status).toBe(206)
    expect(Buffer.concat([first.body, rest.body]).equals(bytes)).toBe(true)
    expect((await log()).requests.map(r => r.range)).toEqual([undefined, 'bytes=500000-'])
  })

  it('flips one byte for the armed number of responses', async () => {
    await arm({ [GGUF]: { flipByteAt: 1234, flipTimes: 1 } })
    const bad = await get(fileUrl())
    expect(bad.body.length).toBe(bytes.length)
    expect(bad.body[1234]).toBe(bytes[1234]! ^ 0xFF)
    expect(bad.body.subarray(0, 1234).equals(bytes.subarray(0, 1234))).toBe(true)
    expect((await get(fileUrl())).body.equals(bytes)).toBe(true)
  })

  it('advertises a wrong size in the tree listing', async () => {
    await arm({ [GGUF]: { advertisedSizeBytes: 42 } })
    const sizes: number[] = []
    for await (const f of listFiles({ repo: 'local/models', hubUrl: url }))
      sizes.push(f.lfs?.size ?? f.size)
    expect(sizes).toEqual([42])
  })

  it('answers the injected status', async () => {
    await arm({ [GGUF]: { status: 404 } })
    expect((await get(fileUrl())).status).toBe(404)
    await arm({ [GGUF]: { status: 503 } })
    expect((await get(fileUrl())).status).toBe(503)
  })
})
