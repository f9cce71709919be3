/**
 * The Hub's download path, imitated: `/resolve/` answers 302 to a second origin (the Hub's CDN, today
 * `cas-bridge.xethub.hf.co`) with a signed URL that expires, and that origin caps what one connection receives. A
 * client that downloads one connection at a time gets the cap; one that opens several ranged connections gets more,
 * as huggingface.js's parallel downloads do on the real Hub.
 *
 * The CDN is a plain `node:http` server on its own port (another origin for the browser: CORS, CSP and redirects
 * apply as they do with the Hub). Its URLs are `/{repo}/{commit}/{path}?Expires=<unix s>&Signature=<hex>`, signed with
 * a key made when the mirror starts (HMAC-SHA256 over repo, commit, path and expiry). An expired or forged URL is
 * 403 `AccessDenied` / "Request has expired", as S3 and CloudFront answer; the client must go back to `/resolve/`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'

/** How the CDN behaves; every field can change while it runs (the bench switches the cap per case). */
export interface CdnOptions {
  /** Port of the second origin. */
  port: number
  /** Bytes per second one connection may receive; 0 = uncapped. The Hub's CDN caps single connections too. */
  capBytesPerSecond: number
  /** How long a signed URL stays valid, in seconds (the Hub's are valid for about an hour). */
  ttlSeconds: number
}

/**
 * Sends the bytes of `path` in `repo` at `commit` (Range, faults), capped at `capBytesPerSecond`: the mirror's own
 * resolve handler, so the CDN serves exactly what `/resolve/` would.
 */
export type CdnServe = (repo: string, commit: string, path: string, req: IncomingMessage, res: ServerResponse, capBytesPerSecond: number) => Promise<void>

export interface MirrorCdn {
  options: CdnOptions
  /** The signed URL of a file, on the CDN origin with the host name the client used for the mirror. */
  signedUrl: (host: string, repo: string, commit: string, path: string) => string
  /** Resolves once the server listens. */
  listening: Promise<void>
  close: () => Promise<void>
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Accept-Ranges, Content-Length, Content-Range, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

/**
 * Starts the CDN origin; `serve` sends a file once its signed URL checked out.
 * @throws (through `listening`) when the port is taken
 */
export function startMirrorCdn(options: CdnOptions, serve: CdnServe): MirrorCdn {
  const key = randomBytes(32)
  const sign = (repo: string, commit: string, path: string, expires: number) =>
    createHmac('sha256', key).update(`${repo}\n${commit}\n${path}\n${expires}`).digest('hex')

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        res.writeHead(500, CORS).end(String(err))
      else
        res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'Range', 'Access-Control-Max-Age': '86400' }).end()
      return
    }
    const url = new URL(req.url ?? '/', 'http://cdn')
    const [owner, name, commit, ...rest] = url.pathname.split('/').slice(1).map(decodeURIComponent)
    const path = rest.join('/')
    const expires = Number(url.searchParams.get('Expires'))
    const signature = url.searchParams.get('Signature') ?? ''
    const repo = `${owner}/${name}`
    const expected = Buffer.from(sign(repo, commit ?? '', path, expires))
    if (!owner || !name || !commit || !path || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), expected))
      return void res.writeHead(403, { ...CORS, 'Content-Type': 'text/plain' }).end('AccessDenied: invalid signature')
    if (expires * 1000 < Date.now())
      return void res.writeHead(403, { ...CORS, 'Content-Type': 'text/plain' }).end('AccessDenied: Request has expired')
    for (const [k, v] of Object.entries(CORS))
      res.setHeader(k, v)
    await serve(repo, commit, path, req, res, options.capBytesPerSecond)
  }

  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, () => resolve())
  })
  return {
    options,
    listening,
    signedUrl(host, repo, commit, path) {
      const expires = Math.floor(Date.now() / 1000) + options.ttlSeconds
      const hostname = host.replace(/:\d+$/, '')
      const encoded = [...repo.split('/'), commit, ...path.split('/')].map(encodeURIComponent).join('/')
      return `http://${hostname}:${options.port}/${encoded}?Expires=${expires}&Signature=${sign(repo, commit, path, expires)}`
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** Paces a stream to `bytesPerSecond`: each chunk waits until the bytes sent so far are due. */
export function throttle(bytesPerSecond: number): Transform {
  const started = Date.now()
  let sent = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      sent += chunk.length
      const due = started + (sent / bytesPerSecond) * 1000
      const wait = due - Date.now()
      if (wait > 0)
        setTimeout(() => done(null, chunk), wait)
      else
        done(null, chunk)
    },
  })
}

export const CDN_CONTROL_PATH = '/__mirror/cdn'

/**
 * Test and bench control of a running CDN (only with the mirror's fault control on): `GET /__mirror/cdn` answers the
 * options, `PUT` with `{ capBytesPerSecond?, ttlSeconds? }` changes them. Returns false for any other URL.
 */
export function handleCdnControl(options: CdnOptions, req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.url ?? '').split('?')[0] !== CDN_CONTROL_PATH)
    return false
  const reply = () => void res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(options))
  if (req.method !== 'PUT')
    return reply(), true
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<CdnOptions>
      if (typeof body.capBytesPerSecond === 'number' && body.capBytesPerSecond >= 0)
        options.capBytesPerSecond = body.capBytesPerSecond
      if (typeof body.ttlSeconds === 'number')
        options.ttlSeconds = body.ttlSeconds
      reply()
    }
    catch {
      res.writeHead(400).end('Expected { capBytesPerSecond?, ttlSeconds? }')
    }
  })
  return true
}
