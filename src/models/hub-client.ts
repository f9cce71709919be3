/**
 * The Hugging Face Hub, or any server that speaks its URL layout (the local mirror in tests and `npm start`),
 * through the official `@huggingface/hub` client. Only the base URL differs between production and tests.
 */
import { listFiles, modelInfo } from '@huggingface/hub'
import { AppError } from '../shared/errors'
import type { ModelRef } from './model-ref'
import { hostOf } from '../shared/origin'

export { PUBLIC_HUB_URL, hubFileUrl } from './hub-url'

export interface HubFileInfo {
  sizeBytes: number
  /** SHA-256 hex for LFS files (every GGUF on the Hub); undefined for small git files. */
  sha256?: string
}

/**
 * The hub's LFS oid as a SHA-256, or undefined when none was published: a small git file has no LFS metadata, and an
 * oid that is not 64 hex digits is no checksum either (upper case is accepted and lowered).
 */
export function publishedSha256(oid: unknown): string | undefined {
  return typeof oid === 'string' && /^[0-9a-f]{64}$/i.test(oid) ? oid.toLowerCase() : undefined
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i)
}

/**
 * Size and SHA-256 of several files of one folder of `ref.repo` at `ref.revision`, in the order asked.
 * @throws AppError 'model_not_found' (any file missing) | 'download_failed'
 */
export async function hubFilesInfo(ref: ModelRef, paths: string[], hubUrl: string): Promise<HubFileInfo[]> {
  const found = new Map<string, HubFileInfo>()
  try {
    const dir = dirname(paths[0] ?? '')
    for await (const entry of listFiles({ repo: ref.repo, revision: ref.revision, hubUrl, ...(dir && { path: dir }) })) {
      if (entry.type === 'file' && paths.includes(entry.path))
        found.set(entry.path, { sizeBytes: entry.lfs?.size ?? entry.size, sha256: publishedSha256(entry.lfs?.oid) })
    }
  }
  catch (err) {
    throw hubError(err, ref, hubUrl)
  }
  return paths.map((path) => {
    const info = found.get(path)
    if (!info)
      throw notFound({ ...ref, file: path }, hubUrl)
    return info
  })
}

/** The commit `ref.revision` points at now, so a download (and its resume) stays on one version of the file. */
export async function hubCommit(ref: ModelRef, hubUrl: string): Promise<string> {
  try {
    const info = await modelInfo({ name: ref.repo, hubUrl, revision: ref.revision ?? 'main', additionalFields: ['sha'] })
    return info.sha || (ref.revision ?? 'main')
  }
  catch (err) {
    throw hubError(err, ref, hubUrl)
  }
}

/** Every `.gguf` file of a repo, with sizes: the choices of the quantization picker. */
export async function hubGgufFiles(repo: string, hubUrl: string): Promise<Array<{ path: string, sizeBytes: number }>> {
  const ref = { id: repo, repo, file: '' }
  const files: Array<{ path: string, sizeBytes: number }> = []
  try {
    for await (const entry of listFiles({ repo, hubUrl, recursive: true })) {
      if (entry.type === 'file' && entry.path.toLowerCase().endsWith('.gguf'))
        files.push({ path: entry.path, sizeBytes: entry.lfs?.size ?? entry.size })
    }
  }
  catch (err) {
    throw hubError(err, ref, hubUrl)
  }
  return files
}

/**
 * What the hub did not have, naming the host: the repository (no file asked for yet: a search for a repo's GGUF
 * files) or the file in it. The Hub answers 401 for a repository that does not exist or is private.
 */
function notFound(ref: ModelRef, hubUrl: string): AppError {
  const host = hostOf(hubUrl)
  return new AppError('model_not_found', ref.file
    ? `${host} has no file "${ref.file}" in the repository ${ref.repo}.`
    : `${host} has no public repository named "${ref.repo}". Check the name (owner/repository) on ${host}.`)
}

/**
 * A failed hub call as the person should read it, by HTTP status (`statusCode` of @huggingface/hub's HubApiError):
 * 404/401 not found; 403 a gated or private repository (the Hub's answer when its terms were not accepted); 429 too
 * many requests; 5xx the hub's own trouble, which passes; no status: the hub was not reached at all (offline, DNS,
 * the page's security policy). An HTTP 500 used to read "could not be reached", sending people to check a
 * connection that worked.
 */
function hubError(err: unknown, ref: ModelRef, hubUrl: string): AppError {
  const status = (err as { statusCode?: number }).statusCode
  const host = hostOf(hubUrl)
  if (status === 404 || status === 401)
    return notFound(ref, hubUrl)
  if (status === 403)
    return new AppError('request_rejected', `${host} refused access to ${ref.repo} (HTTP 403): the repository is gated or private. Accept its terms on ${host}, or pick another repository.`, { cause: err })
  if (status === 429)
    return new AppError('rate_limited', `${host} is receiving too many requests from you (HTTP 429).`, { cause: err })
  if (status !== undefined && status >= 500)
    return new AppError('service_unavailable', `The model hub (${host}) had a problem answering (HTTP ${status}). This is on its side.`, { cause: err })
  if (status !== undefined)
    return new AppError('download_failed', `The model hub (${host}) answered HTTP ${status}.`, { cause: err })
  return new AppError('download_failed', `The model hub (${host}) could not be reached.`, { cause: err })
}
