/**
 * Test-only fault injection for the hub mirror (`./hub-mirror.ts`): a dropped connection half-way, a flipped byte,
 * a wrong advertised size, an error status, and a log of the download requests (with their `Range` headers), so
 * end-to-end tests can prove that resume and integrity checks work against real HTTP.
 *
 * The control is `/__mirror/faults` and exists only when the mirror is created with `faultControl: true`, which the
 * mirror defaults to `process.env.MIRROR_FAULTS === '1'` (set by the e2e fixture; `npm start` never sets it):
 *
 *   GET    /__mirror/faults   { faults, requests }     the faults still armed and every resolve request seen
 *   PUT    /__mirror/faults   { [path]: FileFault }    arms faults (replaces all), clears the request log
 *   DELETE /__mirror/faults                            disarms everything, clears the log
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'

/** What goes wrong for one served file. Counts are decremented on each use; 0 disarms that fault. */
export interface FileFault {
  /** Cut the connection after sending this many bytes of the file (counted from byte 0 of the file). */
  dropAtBytes?: number
  /** How many responses are cut. @default 1 */
  dropTimes?: number
  /** XOR this byte of the file (offset from byte 0) with 0xff in the response. */
  flipByteAt?: number
  /** How many responses carry the flipped byte. @default 1 */
  flipTimes?: number
  /** Size reported by tree, paths-info and X-Linked-Size instead of the real one. */
  advertisedSizeBytes?: number
  /** Answer file downloads with this HTTP status (e.g. 404, 500) instead of the bytes. */
  status?: number
}

/** One download (resolve) request the mirror answered. */
export interface LoggedRequest {
  method: string
  path: string
  /** The `Range` header, if any. */
  range?: string
}

export interface FaultState {
  faults: Record<string, FileFault>
  requests: LoggedRequest[]
}

export const FAULTS_PATH = '/__mirror/faults'
const MAX_LOGGED = 1000

export function createFaultState(): FaultState {
  return { faults: Object.create(null) as Record<string, FileFault>, requests: [] }
}

/** Handles the control route; returns false for any other URL. */
export function handleFaultControl(state: FaultState, req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.url ?? '').split('?')[0] !== FAULTS_PATH)
    return false
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    res.end(body === undefined ? '' : JSON.stringify(body))
  }
  if (req.method === 'GET')
    return reply(200, state), true
  if (req.method === 'DELETE') {
    state.faults = Object.create(null) as Record<string, FileFault>
    state.requests = []
    return reply(204), true
  }
  if (req.method !== 'PUT' && req.method !== 'POST')
    return reply(405, { error: 'GET, PUT or DELETE' }), true
  void readJson(req).then((json) => {
    if (!json || typeof json !== 'object' || Array.isArray(json))
      return reply(400, { error: 'Expected { [path]: FileFault }' })
    state.faults = Object.assign(Object.create(null) as Record<string, FileFault>, json)
    state.requests = []
    reply(200, state)
  })
  return true
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req)
    chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  }
  catch {
    return undefined
  }
}

export function logRequest(state: FaultState, req: IncomingMessage, path: string): void {
  if (state.requests.length < MAX_LOGGED)
    state.requests.push({ method: req.method ?? 'GET', path, ...(req.headers.range && { range: req.headers.range }) })
}

/** The size to advertise for `path`. */
export function advertisedSize(state: FaultState | undefined, path: string, realBytes: number): number {
  return state?.faults[path]?.advertisedSizeBytes ?? realBytes
}

/** An armed error status for `path`, if any (not consumed: a missing file stays missing). */
export function faultStatus(state: FaultState | undefined, path: string): number | undefined {
  return state?.faults[path]?.status
}

/**
 * A transform for the body of a response that starts at byte `start` of the file: flips the armed byte and cuts the
 * connection at the armed offset. Returns undefined when no fault applies to this response.
 */
export function faultTransform(state: FaultState | undefined, path: string, start: number, res: ServerResponse): Transform | undefined {
  const fault = state?.faults[path]
  if (!fault)
    return undefined
  const flipAt = fault.flipByteAt !== undefined && (fault.flipTimes ?? 1) > 0 && fault.flipByteAt >= start ? fault.flipByteAt : undefined
  const dropAt = fault.dropAtBytes !== undefined && (fault.dropTimes ?? 1) > 0 && fault.dropAtBytes > start ? fault.dropAtBytes : undefined
  if (flipAt === undefined && dropAt === undefined)
    return undefined
  if (flipAt !== undefined)
    fault.flipTimes = (fault.flipTimes ?? 1) - 1
  if (dropAt !== undefined)
    fault.dropTimes = (fault.dropTimes ?? 1) - 1
  let position = start
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (dropAt !== undefined && position >= dropAt) {
        position += chunk.length
        return done()
      }
      let out = chunk
      if (flipAt !== undefined && flipAt >= position && flipAt < position + chunk.length) {
        out = Buffer.from(chunk)
        out[flipAt - position] = (out[flipAt - position] ?? 0) ^ 0xFF
      }
      if (dropAt !== undefined && position + out.length >= dropAt) {
        this.push(out.subarray(0, dropAt - position))
        // Let the bytes reach the client, then cut the TCP connection mid-body, as a lost network would.
        setTimeout(() => res.socket?.destroy(), 50)
        position += out.length
        return done()
      }
      position += out.length
      done(null, out)
    },
  })
}
