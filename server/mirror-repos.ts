/**
 * What the hub mirror (`./hub-mirror.ts`) serves, read from its folder on each request: the files `models.json`
 * lists with a `hub` entry, each under its Hub repo at its pinned commit and path, and every other top-level file under
 * one local repo (default `local/models`) that answers at any revision.
 *
 * A listed file is taken as the Hub's file only when its size and SHA-256 are the ones `models.json` gives: other
 * bytes under that name are not the pinned commit's file, so they stay under the local repo.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** The manifest a models folder may hold, as `../shared/models/models.json` (fields the mirror does not read are kept). */
export interface ModelsManifest {
  models: ModelsManifestEntry[]
}

/** One file of a {@link ModelsManifest}. */
export interface ModelsManifestEntry {
  /** File name in the folder (top level). */
  file: string
  /** Expected size, in bytes. */
  bytes: number
  /** Expected lowercase hex SHA-256. */
  sha256: string
  /** The Hub file these bytes are a copy of: repo id, 40-hex commit and path inside the repo; null when none. */
  hub: { repo: string, revision: string, file: string } | null
  /** What the model is for: `chat` for an instruction-tuned chat model; free text otherwise. */
  kind?: string
}

/** A file on disk, as one repo serves it. */
export interface RepoFile {
  /** Path inside the repo ('/'-separated; top-level name for the local repo). */
  path: string
  sizeBytes: number
  /** Lowercase hex SHA-256 of the content: the LFS oid and the ETag. */
  sha256: string
  absPath: string
  mtimeMs: number
  /** The manifest's `kind`, for files listed there. */
  kind?: string
}

/** One revision of a served repo. */
export interface RepoRevision {
  /** The 40-hex commit id: pinned for a Hub repo, derived from the files for the local repo. */
  commit: string
  files: RepoFile[]
  /** ISO date of the newest file's mtime. */
  lastModified: string
}

/** A repo the mirror serves. */
export interface ServedRepo {
  id: string
  /** False for the local repo, which answers every revision name with its one snapshot. */
  isPinned: boolean
  /** Keyed by commit id. `main` and `HEAD` name the first commit listed for the repo. */
  revisions: Map<string, RepoRevision>
  head: RepoRevision
}

/** Every repo of the folder, keyed by repo id; the local repo is always there, possibly with no files. */
export type RepoSet = Map<string, ServedRepo>

/** SHA-256 of a file, cached per (path, size, mtime). @throws the read error */
export type HashCache = (absPath: string, sizeBytes: number, mtimeMs: number) => Promise<string>

const MANIFEST_FILE = 'models.json'
const BRANCH_NAMES = ['main', 'HEAD']

/** A cache that hashes a file again only when its size or mtime changed; a failed hash is retried next time. */
export function createHashCache(): HashCache {
  const entries = new Map<string, { key: string, sha256: Promise<string> }>()
  return (absPath, sizeBytes, mtimeMs) => {
    const key = `${sizeBytes}:${mtimeMs}`
    const hit = entries.get(absPath)
    if (hit?.key === key)
      return hit.sha256
    const sha256 = sha256File(absPath)
    entries.set(absPath, { key, sha256 })
    sha256.catch(() => {
      if (entries.get(absPath)?.sha256 === sha256)
        entries.delete(absPath)
    })
    return sha256
  }
}

/** Lowercase hex SHA-256 of a file, streamed. @throws the read error */
export async function sha256File(absPath: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(absPath))
    hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Lowercase hex SHA-1 of a UTF-8 string (git object ids). */
export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

/**
 * Reads `dir` and its `models.json` into the repos to serve.
 * @throws if `dir` is unreadable, or `models.json` exists but is not valid JSON of the manifest's shape
 */
export async function loadRepos(dir: string, localRepo: string, hashOf: HashCache): Promise<RepoSet> {
  const [files, manifest] = await Promise.all([listFolder(dir, hashOf), readManifest(dir)])
  const hubBuckets = new Map<string, Map<string, RepoFile[]>>()
  const local: RepoFile[] = []
  // In manifest order, which decides the order of repos and which commit `main` names when a repo is listed at several.
  const rank = (file: RepoFile) => manifest.findIndex(m => m.file === file.path) >>> 0
  for (const file of [...files].sort((a, b) => rank(a) - rank(b))) {
    const entry = manifest.find(m => m.file === file.path)
    const hub = entry?.hub
    if (!entry || !hub || entry.sha256.toLowerCase() !== file.sha256 || entry.bytes !== file.sizeBytes) {
      local.push(file)
      continue
    }
    const byCommit = hubBuckets.get(hub.repo) ?? new Map<string, RepoFile[]>()
    hubBuckets.set(hub.repo, byCommit)
    byCommit.set(hub.revision, [...byCommit.get(hub.revision) ?? [], { ...file, path: hub.file, kind: entry.kind }])
  }
  const repos: RepoSet = new Map()
  for (const [id, byCommit] of hubBuckets) {
    const revisions = new Map([...byCommit].map(([commit, list]) => [commit, revision(commit, list)]))
    repos.set(id, { id, isPinned: true, revisions, head: [...revisions.values()][0]! })
  }
  const listing = [...local].sort(byPath).map(f => `${f.path}\0${f.sizeBytes}\0${f.sha256}\n`).join('')
  const head = revision(sha1(listing), local)
  repos.set(localRepo, { id: localRepo, isPinned: false, revisions: new Map([[head.commit, head]]), head })
  return repos
}

/**
 * The revision a request names: for a Hub repo `main`, `HEAD` or a pinned 40-hex commit; for the local repo anything.
 * @returns undefined when the repo has no such revision (the Hub's RevisionNotFound)
 */
export function findRevision(repo: ServedRepo, name: string): RepoRevision | undefined {
  if (!repo.isPinned || BRANCH_NAMES.includes(name))
    return repo.head
  return repo.revisions.get(name)
}

function byPath(a: RepoFile, b: RepoFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0
}

function revision(commit: string, files: RepoFile[]): RepoRevision {
  const sorted = [...files].sort(byPath)
  const newestMs = Math.max(0, ...files.map(f => f.mtimeMs))
  return { commit, files: sorted, lastModified: new Date(newestMs).toISOString() }
}

async function listFolder(dir: string, hashOf: HashCache): Promise<RepoFile[]> {
  const names = (await readdir(dir)).filter(name => !name.startsWith('.')).sort()
  // A broken symlink or a file deleted since readdir is simply not listed.
  const stats = await Promise.all(names.map(name => stat(join(dir, name)).catch(() => undefined)))
  return Promise.all(names.flatMap((name, i) => {
    const info = stats[i]
    if (!info?.isFile())
      return []
    const absPath = join(dir, name)
    return [hashOf(absPath, info.size, info.mtimeMs)
      .then(sha256 => ({ path: name, sizeBytes: info.size, sha256, absPath, mtimeMs: info.mtimeMs }))]
  }))
}

async function readManifest(dir: string): Promise<ModelsManifestEntry[]> {
  let text: string
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8')
  }
  catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return []
    throw err
  }
  const entries = (JSON.parse(text) as Partial<ModelsManifest>).models
  if (!Array.isArray(entries) || !entries.every(isManifestEntry))
    throw new Error(`${join(dir, MANIFEST_FILE)} is not a models manifest: expected { models: [{ file, bytes, sha256, hub }] }`)
  return entries
}

function isManifestEntry(value: unknown): value is ModelsManifestEntry {
  const e = value as Partial<ModelsManifestEntry> | null
  const hub = e?.hub
  return !!e && typeof e.file === 'string' && typeof e.bytes === 'number' && typeof e.sha256 === 'string'
    && (hub === null || hub === undefined || (typeof hub.repo === 'string' && /^[0-9a-f]{40}$/.test(hub.revision) && typeof hub.file === 'string'))
}
