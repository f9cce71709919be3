/**
 * The hub mirror's answers (`./hub-mirror.ts` routes to them), shaped as huggingface.co shapes them: file bytes with
 * Range and the `X-Linked-*` / `X-Repo-Commit` headers, tree and paths-info entries for LFS files, model info, and
 * errors as JSON plus `X-Error-Code` / `X-Error-Message`.
 */
import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { throttle } from './mirror-cdn.ts'
import { advertisedSize, faultStatus, faultTransform, logRequest, type FaultState } from './mirror-faults.ts'
import { sha1, type RepoFile, type RepoRevision } from './mirror-repos.ts'

const COMMIT_TITLE = 'Local models folder'
const MAX_BODY_BYTES = 1 << 20

/** How {@link serveResolve} answers beyond the plain bytes. */
export interface ResolveOptions {
  faults?: FaultState
  /** The Hub's CDN redirect: a GET is answered 302 to this URL (made per request) instead of with the bytes. */
  redirectTo?: () => string
  /** Bytes per second for this connection (the CDN's per-connection cap); 0 or undefined = uncapped. */
  capBytesPerSecond?: number
  /** Log the request in the fault state's request log. @default true */
  log?: boolean
}

/** Sends `path` of `rev` (or the Hub's 404 EntryNotFound), honouring Range and the armed faults. */
export function serveResolve(path: string, rev: RepoRevision, req: IncomingMessage, res: ServerResponse, opts: ResolveOptions = {}): void {
  const { faults } = opts
  const file = rev.files.find(f => f.path === path)
  if (faults && opts.log !== false)
    logRequest(faults, req, path)
  const injected = faultStatus(faults, path)
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
    'X-Linked-Size': String(advertisedSize(faults, path, size)),
    'X-Repo-Commit': rev.commit,
    'Cross-Origin-Resource-Policy': 'cross-origin',
  }
  if (opts.redirectTo && req.method === 'GET') {
    // As the Hub: 302 to the CDN, with the file's facts on the redirect itself (huggingface.js reads X-Linked-*).
    res.writeHead(302, { ...headers, 'Location': opts.redirectTo(), 'Content-Length': '0' }).end()
    return
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
  const fault = faultTransform(faults, path, start, res)
  const paced = opts.capBytesPerSecond ? stream.pipe(throttle(opts.capBytesPerSecond)) : stream
  if (fault)
    paced.pipe(fault).pipe(res)
  else
    paced.pipe(res)
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

type TreeItem = RepoFile | { dir: string }

/**
 * The tree of `dir` ('' for the root) at `rev`, one page of `pageSize` entries with a `Link: rel="next"` header when
 * more follow; `?recursive=true` lists every level. A folder that holds nothing is the Hub's 404 EntryNotFound.
 */
export function serveTree(dir: string, rev: RepoRevision, req: IncomingMessage, res: ServerResponse, pageSize: number, faults?: FaultState): void {
  const query = new URL(req.url ?? '/', 'http://mirror.invalid').searchParams
  const items = treeItems(rev.files, dir, query.get('recursive') === 'true')
  if (dir !== '' && items.length === 0)
    return sendError(res, 404, 'EntryNotFound', 'Entry not found')
  const offset = Number(query.get('cursor') ?? '0')
  if (!Number.isSafeInteger(offset) || offset < 0)
    return sendError(res, 400, 'BadRequest', 'Invalid cursor')
  const expand = query.get('expand') === 'true'
  if (offset + pageSize < items.length)
    res.setHeader('Link', `<${pageUrl(req, offset + pageSize)}>; rel="next"`)
  sendJson(res, 200, items.slice(offset, offset + pageSize).map(item => 'dir' in item
    ? { type: 'directory', oid: sha1(`tree ${item.dir}\0${rev.commit}`), size: 0, path: item.dir }
    : treeEntry(item, rev, expand, faults)))
}

/** The files (and folders, as `{ dir }`) directly in `dir`, or at any depth under it when `recursive`. */
function treeItems(files: RepoFile[], dir: string, recursive: boolean): TreeItem[] {
  const prefix = dir === '' ? '' : `${dir}/`
  const dirs = new Set<string>()
  const items: TreeItem[] = []
  for (const file of files.filter(f => f.path.startsWith(prefix))) {
    const parts = file.path.slice(prefix.length).split('/')
    const folders = parts.slice(0, -1).map((_, i) => prefix + parts.slice(0, i + 1).join('/'))
    for (const folder of recursive ? folders : folders.slice(0, 1)) {
      if (!dirs.has(folder))
        items.push({ dir: folder })
      dirs.add(folder)
    }
    if (recursive || folders.length === 0)
      items.push(file)
  }
  return items
}

/** The absolute URL of the next page: `@huggingface/hub` only follows `http(s)://` links. */
function pageUrl(req: IncomingMessage, cursor: number): string {
  const proto = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http'
  const url = new URL(req.url ?? '/', `${proto}://${req.headers.host ?? 'localhost'}`)
  url.searchParams.set('cursor', String(cursor))
  return url.href
}

/** Answers `POST paths-info` with the entries of the asked paths that exist at `rev` (unknown ones are left out). */
export async function servePathsInfo(req: IncomingMessage, res: ServerResponse, rev: RepoRevision, faults?: FaultState): Promise<void> {
  const request = parsePathsRequest(await readBody(req))
  if (!request)
    return sendError(res, 400, 'BadRequest', 'Expected a JSON body { "paths": string[], "expand"?: boolean }')
  const wanted = new Set(request.paths)
  sendJson(res, 200, rev.files.filter(f => wanted.has(f.path)).map(f => treeEntry(f, rev, request.expand, faults)))
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
function treeEntry(file: RepoFile, rev: RepoRevision, expand: boolean, faults?: FaultState) {
  const size = advertisedSize(faults, file.path, file.sizeBytes)
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${size}\n`
  return {
    type: 'file',
    oid: sha1(`blob ${pointer.length}\0${pointer}`),
    size,
    path: file.path,
    lfs: { oid: file.sha256, size, pointerSize: pointer.length },
    ...(expand && { lastCommit: { id: rev.commit, title: COMMIT_TITLE, date: rev.lastModified } }),
  }
}

/** `GET /api/models/{repo}[/revision/{rev}]`: the fields `@huggingface/hub`'s modelInfo reads; `sha` is the commit. */
export function serveModelInfo(res: ServerResponse, repo: string, rev: RepoRevision): void {
  sendJson(res, 200, {
    _id: sha1(repo).slice(0, 24), id: repo, modelId: repo, author: repo.split('/')[0],
    sha: rev.commit, lastModified: rev.lastModified, tags: ['gguf'],
    private: false, gated: false, disabled: false, downloads: 0, likes: 0,
    siblings: rev.files.map(f => ({ rfilename: f.path })),
    usedStorage: rev.files.reduce((sum, f) => sum + f.sizeBytes, 0),
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  const length = String(Buffer.byteLength(text))
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': length })
  res.end(text)
}

/** An error the way the Hub sends it: JSON `{ error }` plus `X-Error-Code` / `X-Error-Message` headers. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  // Header values must be printable ASCII; a file name or OS error in the message may not be.
  const headerMessage = message.replace(/[^\x20-\x7e]/g, '?')
  sendJson(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': headerMessage })
}

/** A 500 naming the cause, or a cut connection when the headers are already out. */
export function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent)
    return void res.destroy(err instanceof Error ? err : undefined)
  const reason = err instanceof Error ? err.message : String(err)
  sendError(res, 500, 'MirrorError', `The model mirror could not read its folder (${reason}). Check MODELS_DIR.`)
}
