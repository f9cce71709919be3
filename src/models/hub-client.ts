/**
 * The Hugging Face Hub, or any server that speaks its URL layout (the local mirror in tests and `npm start`),
 * through the official `@huggingface/hub` client. Only the base URL differs between production and tests.
 */
import { downloadFile, listFiles } from '@huggingface/hub'
import { AppError } from '../protocol/errors'
import type { ModelRef } from '../engines/types'

export const PUBLIC_HUB_URL = 'https://huggingface.co'

export interface HubFileInfo {
  sizeBytes: number
  /** SHA-256 hex for LFS files (every GGUF on the Hub); undefined for small git files. */
  sha256?: string
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i)
}

/** Size and SHA-256 of a file, from the repo tree listing. @throws AppError 'model_not_found' | 'download_failed' */
export async function hubFileInfo(ref: ModelRef, hubUrl: string): Promise<HubFileInfo> {
  try {
    const dir = dirname(ref.file)
    for await (const entry of listFiles({ repo: ref.repo, revision: ref.revision, hubUrl, ...(dir && { path: dir }) })) {
      if (entry.type === 'file' && entry.path === ref.file)
        return { sizeBytes: entry.lfs?.size ?? entry.size, sha256: entry.lfs?.oid }
    }
  }
  catch (err) {
    throw hubError(err, ref)
  }
  throw notFound(ref)
}

/** A lazily fetched Blob of the file: streaming or slicing it issues (Range) requests. */
export async function hubFileBlob(ref: ModelRef, hubUrl: string): Promise<Blob> {
  let blob: Blob | null
  try {
    blob = await downloadFile({ repo: ref.repo, path: ref.file, revision: ref.revision, hubUrl })
  }
  catch (err) {
    throw hubError(err, ref)
  }
  if (!blob)
    throw notFound(ref)
  return blob
}

function notFound(ref: ModelRef): AppError {
  return new AppError('model_not_found', `"${ref.file}" was not found in ${ref.repo} on the model hub.`)
}

function hubError(err: unknown, ref: ModelRef): AppError {
  const status = (err as { statusCode?: number }).statusCode
  if (status === 404 || status === 401)
    return notFound(ref)
  const message = err instanceof Error ? err.message : String(err)
  return new AppError('download_failed', `The model hub could not be reached (${message}).`, { cause: err })
}
