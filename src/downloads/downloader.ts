/**
 * Downloads a model into OPFS: the hub revision pinned to a commit when the download starts, sizes and SHA-256s from
 * the hub's file metadata, every part of a split GGUF in parallel, resume from the bytes on disk, and the manifest
 * entry marked `ready` only after every hash matched and the GGUF header checked out.
 *
 * What happens to the partial files on failure: a cancel, a dropped connection that outlasted the retries, or a full
 * disk keep them (state `partial`, resumable); a corrupt, wrong-size or non-GGUF file is deleted with its entry.
 */
import { AppError, toAppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'
import type { ModelRef, Progress } from '../contract/types'
import { toModelRef } from '../models/catalog'
import { fetchToOpfs } from './fetch-resume'
import { hubCommit, hubFilesInfo, hubFileUrl } from '../models/hub-client'
import { deleteCheckpoint, fileNamesOfOthers, filesOf, getStoredModel, putStoredModel, type StoredFile, type StoredModel } from '../models/manifest'
import { deleteModelFile, modelFileSize } from '../models/opfs-store'
import { SpeedMeter } from '../models/speed-meter'
import { splitParts } from '../models/split'
import { storageName } from '../models/storage-name'
import { ensureSpace, requestPersist } from '../models/storage'
import { discardModel, readFacts, URL_REPO } from './stored-files'
import { hostOf } from '../shared/origin'

/** Re-exported for the download worker's callers and tests that import them from here. */
export { discardModel, readFacts, URL_REPO }

export interface DownloadOptions {
  hubUrl: string
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  /** Something the user should read while the download goes on, e.g. "download corrupted …, downloading again". */
  onNotice?: (message: string) => void
  /** The total size, in bytes, as the hub reports it, once known (before the space check). */
  onPlan?: (totalBytes: number) => void
}

type PlannedFile = StoredFile & { url: string }

/**
 * Downloads (or resumes) a model and verifies it; a corrupt download is deleted, reported and retried once.
 * @throws AppError 'model_not_found' | 'download_failed' | 'integrity_failed' | 'invalid_model_file' | 'truncated_model_file' | 'storage_quota' | 'aborted'
 */
export async function downloadModel(model: ModelRef, opts: DownloadOptions): Promise<StoredModel> {
  try {
    return await downloadOnce(model, opts)
  }
  catch (err) {
    if (!(err instanceof AppError && err.code === 'integrity_failed' && err.message.startsWith('download corrupted')))
      throw err
    opts.onNotice?.(`${err.message} Downloading it again.`)
    return downloadOnce(model, opts)
  }
}

async function downloadOnce(model: ModelRef, opts: DownloadOptions): Promise<StoredModel> {
  const ref = toModelRef(model)
  const previous = await getStoredModel(ref.id)
  const resumable = previous?.state === 'partial' && previous.files?.length ? previous : undefined
  const { revision, files } = resumable ? { revision: resumable.revision ?? 'main', files: withUrls(ref, resumable, opts.hubUrl) } : await plan(ref, opts.hubUrl)
  // Not a resume: whatever is on disk under these names (a damaged copy) is not a prefix, and an earlier copy of this
  // model under other names (another revision) is replaced. Never a file another model's entry uses.
  if (!resumable) {
    const others = await fileNamesOfOthers(ref.id)
    if (files.some(f => others.has(f.fileName)))
      throw new AppError('download_failed', `${ref.file}: its storage name is used by another stored model, so it was not downloaded. Delete the other copy in the library, then download again.`)
    const stale = [...files.map(f => f.fileName), ...(previous ? filesOf(previous).map(f => f.fileName) : [])]
    await Promise.all([...new Set(stale)].filter(n => !others.has(n)).flatMap(n => [deleteModelFile(n), deleteCheckpoint(n)]))
  }
  const unpublished = files.filter(f => !f.sha256)
  if (unpublished.length)
    opts.onNotice?.(noChecksumNotice(ref, unpublished))
  const total = files.reduce((n, f) => n + f.sizeBytes, 0)
  opts.onPlan?.(total)
  const onDisk = (await Promise.all(files.map(f => modelFileSize(f.fileName)))).reduce<number>((n, s) => n + (s ?? 0), 0)
  await ensureSpace(total - onDisk)
  await requestPersist()
  const now = Date.now()
  const entry: StoredModel & { files: StoredFile[] } = {
    ref, revision, files: files.map(({ url: _url, ...f }) => f), fileName: files[0]!.fileName, sizeBytes: total,
    sha256: files[0]!.sha256, state: 'partial', hasChatTemplate: false, storedAt: resumable?.storedAt ?? now,
    verifiedAt: 0, lastUsedAt: now, ...(ref.repo === URL_REPO && { source: ref.file }),
  }
  await putStoredModel(entry)
  try {
    const hashes = await fetchAll(files, total, opts)
    files.forEach((f, i) => checkHash(f, hashes[i]!))
    const facts = await readFacts(entry.fileName)
    const ready: StoredModel = {
      ...entry, state: 'ready', verifiedAt: Date.now(), hasChatTemplate: facts.hasChatTemplate, facts,
      files: entry.files.map((f, i) => ({ ...f, sha256: f.sha256 || hashes[i]!, sha256Source: f.sha256 ? 'published' : 'computed' })),
      sha256: entry.sha256 || hashes[0]!,
    }
    await putStoredModel(ready)
    await Promise.all(files.map(f => deleteCheckpoint(f.fileName)))
    return ready
  }
  catch (err) {
    // The manifest or a checkpoint (IndexedDB) refused for lack of space says so like the file does.
    const e = isQuotaError(err) && !(err instanceof AppError)
      ? new AppError('storage_quota', 'Storage filled up while the download was being recorded. The part already downloaded is kept: free some space, then press Resume.', { cause: err })
      : toAppError(err, 'download_failed')
    if (!isResumable(e))
      await discardModel(entry)
    throw e
  }
}

/** What the person reads while a file with no published checksum downloads. */
function noChecksumNotice(ref: ModelRef, files: PlannedFile[]): string {
  const where = ref.repo === URL_REPO ? hostOf(ref.file) : `the hub (${ref.repo})`
  return `${where} published no SHA-256 checksum for ${files.map(f => f.path).join(', ')}, so the bytes cannot be `
    + 'checked against one: only the size and the GGUF header are checked. Their SHA-256 is computed as they arrive '
    + 'and pinned, so Verify will show whether the file changes later.'
}

function isResumable(err: AppError): boolean {
  return err.code === 'aborted' || err.code === 'storage_quota' || err.code === 'download_failed'
}

/** Pins the revision to a commit and takes every part's size and SHA-256 from the hub at that commit. */
async function plan(ref: ModelRef, hubUrl: string): Promise<{ revision: string, files: PlannedFile[] }> {
  if (ref.repo === URL_REPO)
    return planUrl(ref)
  const revision = await hubCommit(ref, hubUrl)
  const pinned = { ...ref, revision }
  const paths = splitParts(ref.file)
  const infos = await hubFilesInfo(pinned, paths, hubUrl)
  const files = paths.map((path, i) => ({
    path, fileName: storageName({ repo: ref.repo, revision, file: path }), sizeBytes: infos[i]!.sizeBytes,
    sha256: infos[i]!.sha256 ?? '', url: hubFileUrl({ ...pinned, file: path }, hubUrl),
  }))
  return { revision, files }
}

/** A direct URL: its size from a HEAD request; no published hash, so the header check is the integrity check. */
async function planUrl(ref: ModelRef): Promise<{ revision: string, files: PlannedFile[] }> {
  let res: Response
  try {
    res = await fetch(ref.file, { method: 'HEAD', cache: 'no-store' })
  }
  catch (err) {
    // A fetch refused by the page's policy, by CORS or by a dead host fails alike ("Failed to fetch"): say each cause.
    throw new AppError('download_failed', `${hostOf(ref.file)} could not be reached from this page: it is offline, it does not let other sites download its files (no CORS header), or it was added after this page loaded (reload the page).`, { cause: err })
  }
  if (res.status === 404 || res.status === 401)
    throw new AppError('model_not_found', `The server answered ${res.status}: ${ref.file} was not found.`)
  const sizeBytes = Number(res.headers.get('content-length'))
  if (!res.ok || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
    throw new AppError('download_failed', `${ref.file} answered HTTP ${res.status} without a usable size.`)
  const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? ''
  const sha256 = /^"?([0-9a-f]{64})"?$/.exec(etag)?.[1] ?? ''
  return { revision: 'url', files: [{ path: ref.file, fileName: storageName({ repo: ref.repo, revision: 'url', file: ref.file }), sizeBytes, sha256, url: ref.file }] }
}

/** A partial download resumes from the commit it started from. */
function withUrls(ref: ModelRef, entry: StoredModel, hubUrl: string): PlannedFile[] {
  return filesOf(entry).map(f => ({
    ...f, url: ref.repo === URL_REPO ? ref.file : hubFileUrl({ ...ref, revision: entry.revision, file: f.path }, hubUrl),
  }))
}

async function fetchAll(files: PlannedFile[], total: number, opts: DownloadOptions): Promise<string[]> {
  const loaded = files.map(() => 0)
  const meter = new SpeedMeter()
  const report = () => {
    const sum = loaded.reduce((a, b) => a + b, 0)
    if (meter.shouldReport(sum, total))
      opts.onProgress?.({ phase: 'download', loadedBytes: sum, totalBytes: total, bytesPerSecond: meter.bytesPerSecond(sum) })
  }
  // Split parts download in parallel; the first failure stops the others (they keep their partial bytes).
  const stop = new AbortController()
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal
  return Promise.all(files.map((f, i) => fetchToOpfs(f, {
    signal, onBytes: (bytes) => { loaded[i] = bytes; report() },
  }).catch((err: unknown) => {
    stop.abort()
    throw err
  })))
}

function checkHash(file: StoredFile, got: string): void {
  if (file.sha256 && file.sha256 !== got) {
    throw new AppError('integrity_failed', `download corrupted (expected ${file.sha256}, got ${got}): `
      + `${file.path} does not match the hub's SHA-256 and was deleted.`)
  }
}
