/**
 * A Hugging Face Hub-compatible mirror of one local folder, as Connect middleware (Vite's dev and preview servers:
 * `server.middlewares.use(mirror.middleware)`; the test servers). Every regular top-level file of `modelsDir` is a
 * file of one repo (default `local/models`) at every revision, so the official `@huggingface/hub` client works
 * against it with only `hubUrl` changed. Routes, as `@huggingface/hub` 2.x calls them:
 *
 *   GET|HEAD /{owner}/{name}/resolve/{revision}/{file}         bytes, Range, ETag + X-Linked-* (fileDownloadInfo,
 *   GET|HEAD /{owner}/{name}/raw/{revision}/{file}             downloadFile, fileExists); raw = resolve here
 *   GET      /api/models/{owner}/{name}[/revision/{revision}]   model info (modelInfo, default revision HEAD)
 *   GET      /api/models/{owner}/{name}/tree/{revision}[/dir]   [{ type, oid, size, path, lfs }] (listFiles)
 *   POST     /api/models/{owner}/{name}/paths-info/{revision}   same entries for given paths (downloadFileToCacheDir)
 *   OPTIONS  any of the above                                   CORS preflight
 *
 * Anything else goes to `next()`. Only names from the folder listing are ever opened, so no URL can reach a file
 * outside it (`..`, `%2F`, absolute paths and subfolders simply name no listed file).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import {
  advertisedSize, createFaultState, faultStatus, faultTransform, handleFaultControl, logRequest, type FaultState,
} from './mirror-faults.ts'

/** One file the mirror serves. */
export interface MirrorFile {
  /** Path inside the repo: the file name, as files are top-level only. */
  path: string
  sizeBytes: number
  /** Lowercase hex SHA-256 of the content: the LFS oid and the ETag. */
  sha256: string
}

export interface HubMirrorOptions {
  /** Folder whose regular top-level files (symlinks followed, dot-files skipped) are served. */
  modelsDir: string
  /** Repo id the files belong to. @default 'local/models' */
  repo?: string
  /** Tree entries per page; more files add a `Link: <...>; rel="next"` header, as on the Hub. @default 1000 */
  treePageSize?: number
  /**
   * Test-only: serve the `/__mirror/faults` control (see `./mirror-faults.ts`). Never on in `npm start`.
   * @default process.env.MIRROR_FAULTS === '1'
   */
  faultControl?: boolean
}

export interface HubMirror {
  /** Connect-style middleware; calls `next()` for any URL that is not a mirror route. */
  middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void
  /** The served files sorted by path. SHA-256s are cached per (path, size, mtime). @throws if modelsDir is unreadable */
  files: () => Promise<MirrorFile[]>
}

interface LocalFile extends MirrorFile {
  absPath: string
  mtimeMs: number
}

/** The repo at "every revision": its files, a commit id derived from their contents, and the newest mtime. */
interface Snapshot {
  files: LocalFile[]
  commit: string
  lastModified: string
}

type RouteKind = 'resolve' | 'info' | 'tree' | 'paths-info'
interface Route {
  kind: RouteKind
  repo: string
  /** Decoded path segments after the revision: the file (resolve) or folder (tree). */
  rest: string[]
}

type HashCache = (absPath: string, sizeBytes: number, mtimeMs: number) => Promise<string>

const READ_METHODS = ['GET', 'HEAD']
const METHODS: Record<RouteKind, string[]> = { 'resolve': READ_METHODS, 'info': READ_METHODS, 'tree': READ_METHODS, 'paths-info': ['POST'] }
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': ['Accept-Ranges', 'Content-Length', 'Content-Range', 'ETag', 'Link', 'X-Error-Code',
    'X-Error-Message', 'X-Linked-ETag', 'X-Linked-Size', 'X-Repo-Commit'].join(', '),
}
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, Authorization, Content-Type, Accept',
  'Access-Control-Max-Age': '86400',
}
const COMMIT_TITLE = 'Local models folder'
const MAX_BODY_BYTES = 1 << 20

export function createHubMirror(opts: HubMirrorOptions): HubMirror {
  const repo = opts.repo ?? 'local/models'
  const pageSize = opts.treePageSize ?? 1000
  const hashOf = createHashCache()
  const snapshot = () => loadSnapshot(opts.modelsDir, hashOf)
  const faults = (opts.faultControl ?? process.env.MIRROR_FAULTS === '1') ? createFaultState() : undefined

  async function dispatch(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const snap = await snapshot()
    if (route.kind === 'resolve')
      return serveResolve(route, req, res, snap, faults)
    if (route.kind === 'tree')
      return serveTree(route, req, res, snap, pageSize, faults)
    if (route.kind === 'paths-info')
      return servePathsInfo(req, res, snap, faults)
    sendJson(res, 200, modelInfoJson(repo, snap))
  }

  function middleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const method = req.method ?? 'GET'
    if (faults && handleFaultControl(faults, req, res))
      return
    const route = parseRoute(req.url ?? '/', method)
    if (!route)
      return next()
    for (const [name, value] of Object.entries(CORS_HEADERS))
      res.setHeader(name, value)
    if (method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT_HEADERS).end()
      return
    }
    // The Hub answers 401 (not 404) for a repo it does not know, so as not to reveal private repos.
    if (route.repo !== repo)
      return sendError(res, 401, 'RepoNotFound', `Repository not found: this mirror serves "${repo}" only.`)
    dispatch(route, req, res).catch((err: unknown) => fail(res, err))
  }

  return {
    middleware,
    files: async () => (await snapshot()).files.map(({ path, sizeBytes, sha256 }) => ({ path, sizeBytes, sha256 })),
  }
}

function parseRoute(url: string, method: string): Route | undefined {
  const segments = (url.split('?')[0] ?? '').split('/').slice(1).map(decodeSegment)
  const route = segments[0] === 'api' ? apiRoute(segments.slice(1)) : fileRoute(segments)
  if (!route || !(method === 'OPTIONS' || METHODS[route.kind].includes(method)))
    return undefined
  return route
}

function fileRoute([owner, name, kind, revision, ...rest]: string[]): Route | undefined {
  if (owner === undefined || name === undefined || revision === undefined || rest.length === 0)
    return undefined
  return kind === 'resolve' || kind === 'raw' ? { kind: 'resolve', repo: `${owner}/${name}`, rest } : undefined
}

function apiRoute([type, owner, name, kind, revision, ...rest]: string[]): Route | undefined {
  if (type !== 'models' || owner === undefined || name === undefined)
    return undefined
  const repo = `${owner}/${name}`
  if (kind === undefined || (kind === 'revision' && revision !== undefined && rest.length === 0))
    return { kind: 'info', repo, rest: [] }
  if (kind === 'tree' && revision !== undefined)
    return { kind: 'tree', repo, rest }
  if (kind === 'paths-info' && revision !== undefined && rest.length === 0)
    return { kind: 'paths-info', repo, rest }
  return undefined
}

/** Decodes one path segment; an undecodable one becomes NUL, which names no file and no repo. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  }
  catch {
    return '\0'
  }
}

function createHashCache(): HashCache {
  const entries = new Map<string, { key: string, sha256: Promise<string> }>()
  return (absPath, sizeBytes, mtimeMs) => {
    const key = `${sizeBytes}:${mtimeMs}`
    const hit = entries.get(absPath)
    if (hit?.key === key)
      return hit.sha256
    const sha256 = sha256File(absPath)
    entries.set(absPath, { key, sha256 })
    // Forget a failed hash so the next request retries; the caller still sees the rejection.
    sha256.catch(() => {
      if (entries.get(absPath)?.sha256 === sha256)
        entries.delete(absPath)
    })
    return sha256
  }
}

async function sha256File(absPath: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(absPath))
    hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function loadSnapshot(dir: string, hashOf: HashCache): Promise<Snapshot> {
  const names = (await readdir(dir)).filter(name => !name.startsWith('.')).sort()
  // A broken symlink or a file deleted since readdir is simply not listed.
  const stats = await Promise.all(names.map(name => stat(join(dir, name)).catch(() => undefined)))
  const files = await Promise.all(names.flatMap((name, i) => {
    const info = stats[i]
    if (!info?.isFile())
      return []
    const absPath = join(dir, name)
    return [hashOf(absPath, info.size, info.mtimeMs)
      .then(sha256 => ({ path: name, sizeBytes: info.size, sha256, absPath, mtimeMs: info.mtimeMs }))]
  }))
  const listing = files.map(f => `${f.path}\0${f.sizeBytes}\0${f.sha256}\n`).join('')
  const newestMs = Math.max(0, ...files.map(f => f.mtimeMs))
  return { files, commit: sha1(listing), lastModified: new Date(newestMs).toISOString() }
}

function serveResolve(route: Route, req: IncomingMessage, res: ServerResponse, snap: Snapshot, faults?: FaultState): void {
  const name = route.rest.length === 1 ? route.rest[0] : undefined
  const file = snap.files.find(f => f.path === name)
  if (faults && name !== undefined)
    logRequest(faults, req, name)
  const injected = name === undefined ? undefined : faultStatus(faults, name)
  if (!file || injected === 404)
    return sendError(res, 404, 'EntryNotFound', 'Entry not found')
  if (injected !== undefined)
    return sendError(res, injected, 'InjectedFault', `Injected fault: status ${injected}`)
  const size = file.sizeBytes
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'ETag': `"${file.sha256}"`,
    'X-Linked-ETag': `"${file.sha256}"`,
    'X-Linked-Size': String(advertisedSize(faults, file.path, size)),
    'X-Repo-Commit': snap.commit,
    'Cross-Origin-Resource-Policy': 'cross-origin',
  }
  const range = parseRange(req.headers.range, size)
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' }).end()
    return
  }
  const { start, end } = range ?? { start: 0, end: size - 1 }
  if (range)
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(end - start + 1) })
  if (req.method === 'HEAD' || end < start)
    return void res.end()
  const stream = createReadStream(file.absPath, { start, end })
  stream.on('error', err => res.destroy(err))
  res.on('close', () => stream.destroy())
  const fault = faultTransform(faults, file.path, start, res)
  if (fault)
    stream.pipe(fault).pipe(res)
  else
    stream.pipe(res)
}

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped to the file. Undefined means "send the whole file": no
 * header, a malformed one or several ranges, which RFC 9110 lets a server ignore.
 */
function parseRange(header: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  const [, first = '', last = ''] = match ?? []
  if (!match || (first === '' && last === ''))
    return undefined
  if (first === '') {
    const suffix = Number(last)
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start)
    return undefined
  if (start >= size)
    return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

function serveTree(route: Route, req: IncomingMessage, res: ServerResponse, snap: Snapshot, pageSize: number, faults?: FaultState): void {
  // There are no folders: only the root can be listed.
  if (route.rest.join('/') !== '')
    return sendError(res, 404, 'EntryNotFound', 'Entry not found')
  const query = new URL(req.url ?? '/', 'http://mirror.invalid').searchParams
  const offset = Number(query.get('cursor') ?? '0')
  if (!Number.isSafeInteger(offset) || offset < 0)
    return sendError(res, 400, 'BadRequest', 'Invalid cursor')
  const expand = query.get('expand') === 'true'
  if (offset + pageSize < snap.files.length)
    res.setHeader('Link', `<${pageUrl(req, offset + pageSize)}>; rel="next"`)
  sendJson(res, 200, snap.files.slice(offset, offset + pageSize).map(f => treeEntry(f, snap, expand, faults)))
}

/** The absolute URL of the next page: `@huggingface/hub` only follows `http(s)://` links. */
function pageUrl(req: IncomingMessage, cursor: number): string {
  const proto = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http'
  const url = new URL(req.url ?? '/', `${proto}://${req.headers.host ?? 'localhost'}`)
  url.searchParams.set('cursor', String(cursor))
  return url.href
}

async function servePathsInfo(req: IncomingMessage, res: ServerResponse, snap: Snapshot, faults?: FaultState): Promise<void> {
  const request = parsePathsRequest(await readBody(req))
  if (!request)
    return sendError(res, 400, 'BadRequest', 'Expected a JSON body { "paths": string[], "expand"?: boolean }')
  const wanted = new Set(request.paths)
  sendJson(res, 200, snap.files.filter(f => wanted.has(f.path)).map(f => treeEntry(f, snap, request.expand, faults)))
}

function parsePathsRequest(body: string | undefined): { paths: string[], expand: boolean } | undefined {
  let json: unknown
  try {
    json = body === undefined ? undefined : JSON.parse(body)
  }
  catch {
    return undefined
  }
  const { paths, expand } = (json ?? {}) as { paths?: unknown, expand?: unknown }
  if (!Array.isArray(paths) || !paths.every(p => typeof p === 'string'))
    return undefined
  return { paths, expand: expand === true }
}

/** The whole body as text, or undefined past MAX_BODY_BYTES (still drained, so the error reply can be sent). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let sizeBytes = 0
  for await (const chunk of req) {
    sizeBytes += (chunk as Buffer).length
    if (sizeBytes <= MAX_BODY_BYTES)
      chunks.push(chunk as Buffer)
  }
  return sizeBytes <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined
}

/** A tree / paths-info entry as the Hub gives it for an LFS file: `oid` is the git blob id of the LFS pointer. */
function treeEntry(file: LocalFile, snap: Snapshot, expand: boolean, faults?: FaultState) {
  const size = advertisedSize(faults, file.path, file.sizeBytes)
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${size}\n`
  return {
    type: 'file',
    oid: sha1(`blob ${pointer.length}\0${pointer}`),
    size,
    path: file.path,
    lfs: { oid: file.sha256, size, pointerSize: pointer.length },
    ...(expand && { lastCommit: { id: snap.commit, title: COMMIT_TITLE, date: snap.lastModified } }),
  }
}

function modelInfoJson(repo: string, snap: Snapshot) {
  return {
    _id: sha1(repo).slice(0, 24), id: repo, modelId: repo, author: repo.split('/')[0],
    sha: snap.commit, lastModified: snap.lastModified, tags: ['gguf'],
    private: false, gated: false, disabled: false, downloads: 0, likes: 0,
    siblings: snap.files.map(f => ({ rfilename: f.path })),
    usedStorage: snap.files.reduce((sum, f) => sum + f.sizeBytes, 0),
  }
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  const length = String(Buffer.byteLength(text))
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': length })
  res.end(text)
}

/** An error the way the Hub sends it: JSON `{ error }` plus `X-Error-Code` / `X-Error-Message` headers. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  // Header values must be printable ASCII; a file name or OS error in the message may not be.
  const headerMessage = message.replace(/[^\x20-\x7e]/g, '?')
  sendJson(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': headerMessage })
}

function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent)
    return void res.destroy(err instanceof Error ? err : undefined)
  const reason = err instanceof Error ? err.message : String(err)
  sendError(res, 500, 'MirrorError', `The model mirror could not read its folder (${reason}). Check MODELS_DIR.`)
}
