/**
 * The models the tests and `npm start` use, on any machine. `./test-models.json` pins each one (Hub repo, commit,
 * path, SHA-256, size). {@link ensureTestModels} takes a file from MODELS_DIR when its size and SHA-256 match; else,
 * when it has a Hub original, fetches it once into a git-ignored cache (`.cache/models/`) through the app's own
 * download code (`src/models/hub-client.ts` for size, SHA-256 and URL; `src/downloads/fetch-resume.ts` for the resumable,
 * hashed download, here on the file system), and keeps it only when its SHA-256 matches.
 *
 * SHA-256s of files already checked are kept in `<cacheDir>/hashes.json` by (path, size, mtime), so a repeat call
 * reads no model file and makes no request.
 */
import { readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fetchToOpfs } from '../src/downloads/fetch-resume.ts'
import { hubFileUrl, hubFilesInfo } from '../src/models/hub-client.ts'
import { sha256File, type ModelsManifest, type ModelsManifestEntry } from './mirror-repos.ts'
import { resolveModelsDir } from './models-dir.ts'
import { nodeDownloadStorage } from './node-download-storage.ts'

/** One pinned test model: file name, bytes, sha256, `hub: { repo, revision, file } | null`, kind. */
export type TestModel = ModelsManifestEntry

/** Where {@link ensureTestModels} looks and what it fetches from. */
export interface TestModelsOptions {
  /** Folder searched first. @default resolveModelsDir() (env MODELS_DIR, else ../shared/models or /work/shared/models) */
  modelsDir?: string
  /** Where fetched files (and `hashes.json`) are kept. @default `<project>/.cache/models` */
  cacheDir?: string
  /** Hub to fetch from (its URL layout). @default env TEST_MODELS_HUB_URL, else https://huggingface.co */
  hubUrl?: string
  /** The pinned models. @default the content of server/test-models.json */
  manifest?: TestModel[]
}

interface HashRecord { sizeBytes: number, mtimeMs: number, sha256: string }
type HashRecords = Record<string, HashRecord>

const HASHES_FILE = 'hashes.json'

/** The project's pinned test models (server/test-models.json). */
export const TEST_MODELS: TestModel[] = (JSON.parse(readFileSync(new URL('./test-models.json', import.meta.url), 'utf8')) as ModelsManifest).models

/** The test-models.json entry for `file`. @throws Error when the manifest does not list it */
export function testModel(file: string, manifest: TestModel[] = TEST_MODELS): TestModel {
  const model = manifest.find(m => m.file === file)
  if (!model)
    throw new Error(`"${file}" is not a test model: server/test-models.json lists ${manifest.map(m => m.file).join(', ')}.`)
  return model
}

/**
 * Makes each named test model available and returns its absolute path (in MODELS_DIR or in the cache), by name.
 * @throws Error naming the file, where it looked and how to provide it (MODELS_DIR, TEST_MODELS_HUB_URL), when a file
 *   is neither present with the pinned bytes nor fetchable (no Hub original, the hub failed, or sent other bytes; a
 *   failed fetch leaves nothing in the cache)
 */
export async function ensureTestModels(names: string[], opts: TestModelsOptions = {}): Promise<Record<string, string>> {
  const modelsDir = opts.modelsDir ?? resolveModelsDir()
  const cacheDir = resolve(opts.cacheDir ?? fileURLToPath(new URL('../.cache/models', import.meta.url)))
  const hubUrl = opts.hubUrl ?? (process.env.TEST_MODELS_HUB_URL || 'https://huggingface.co')
  const hashes = await readHashes(cacheDir)
  const before = JSON.stringify(hashes)
  const paths: Record<string, string> = {}
  try {
    for (const name of names) {
      const model = testModel(name, opts.manifest)
      const candidates = [...(modelsDir ? [join(modelsDir, name)] : []), join(cacheDir, name)]
      paths[name] = await firstIntact(candidates, model, hashes)
        ?? await fetchModel(model, { modelsDir, cacheDir, hubUrl }, hashes)
    }
  }
  finally {
    if (JSON.stringify(hashes) !== before)
      await writeHashes(cacheDir, hashes)
  }
  return paths
}

async function firstIntact(paths: string[], model: TestModel, hashes: HashRecords): Promise<string | undefined> {
  for (const path of paths) {
    if (await isIntact(resolve(path), model, hashes))
      return resolve(path)
  }
  return undefined
}

/** The file has the pinned size and SHA-256 (hashed only when its size or mtime changed since last time). */
async function isIntact(path: string, model: TestModel, hashes: HashRecords): Promise<boolean> {
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile() || info.size !== model.bytes)
    return false
  const hit = hashes[path]
  const sha256 = hit?.sizeBytes === info.size && hit.mtimeMs === info.mtimeMs ? hit.sha256 : await sha256File(path)
  hashes[path] = { sizeBytes: info.size, mtimeMs: info.mtimeMs, sha256 }
  return sha256 === model.sha256
}

interface Places { modelsDir: string | undefined, cacheDir: string, hubUrl: string }

/** Fetches `model` from its Hub original into the cache; returns its path. @throws Error saying how to provide it */
async function fetchModel(model: TestModel, places: Places, hashes: HashRecords): Promise<string> {
  const looked = `looked in MODELS_DIR (${places.modelsDir ?? 'unset, and neither ../shared/models nor /work/shared/models exists'}) and in ${places.cacheDir}`
  const provide = `set MODELS_DIR to a folder holding ${model.file} (${model.bytes} bytes, sha256 ${model.sha256})`
  const { hub } = model
  if (!hub)
    throw new Error(`Test model ${model.file} was not found: ${looked}. It has no Hugging Face Hub original to fetch: ${provide}.`)
  try {
    return await download(model, hub, places, hashes)
  }
  catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`Test model ${model.file} was not found (${looked}), and fetching it from ${places.hubUrl} `
      + `(${hub.repo} at ${hub.revision}, ${hub.file}) failed: ${reason} To provide it, ${provide}, or set `
      + 'TEST_MODELS_HUB_URL to a hub that serves that repo and revision.', { cause: err })
  }
}

async function download(model: TestModel, hub: NonNullable<TestModel['hub']>, places: Places, hashes: HashRecords): Promise<string> {
  const ref = { id: `${hub.repo}/${hub.file}`, repo: hub.repo, file: hub.file, revision: hub.revision }
  const [info] = await hubFilesInfo(ref, [hub.file], places.hubUrl)
  if (info?.sizeBytes !== model.bytes || (info.sha256 !== undefined && info.sha256 !== model.sha256))
    throw new Error(`The hub lists ${info?.sizeBytes} bytes with sha256 ${info?.sha256}, not the pinned ${model.bytes} bytes with sha256 ${model.sha256}.`)
  await mkdir(places.cacheDir, { recursive: true })
  await removeStaleParts(places.cacheDir, model.file)
  // One part file per process, so two test runs fetching at once never write into the same file.
  const part = `${model.file}.${process.pid}.part`
  const final = join(places.cacheDir, model.file)
  try {
    const target = { url: hubFileUrl(ref, places.hubUrl), fileName: part, sizeBytes: model.bytes }
    const sha256 = await fetchToOpfs(target, { storage: nodeDownloadStorage(places.cacheDir) })
    if (sha256 !== model.sha256)
      throw new Error(`The bytes received have sha256 ${sha256}, not the pinned ${model.sha256}; nothing was kept.`)
    await rename(join(places.cacheDir, part), final)
  }
  finally {
    await rm(join(places.cacheDir, part), { force: true })
  }
  const { size, mtimeMs } = await stat(final)
  hashes[final] = { sizeBytes: size, mtimeMs, sha256: model.sha256 }
  return final
}

/** Deletes part files of `file` left by processes that no longer run. */
async function removeStaleParts(dir: string, file: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = name.startsWith(`${file}.`) && /^(\d+)\.part$/.exec(name.slice(file.length + 1))?.[1]
    if (pid && !isRunning(Number(pid)))
      await rm(join(dir, name), { force: true })
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  }
  catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readHashes(cacheDir: string): Promise<HashRecords> {
  try {
    return JSON.parse(await readFile(join(cacheDir, HASHES_FILE), 'utf8')) as HashRecords
  }
  catch (err) {
    // None yet, or unreadable: every file is hashed again, which is only slower.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      console.warn(`Ignoring ${join(cacheDir, HASHES_FILE)}:`, err)
    return {}
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
async function writeHashes(cacheDir: string, hashes: HashRecords): Promise<void> {
  await mkdir(cacheDir, { recursive: true })
  const temp = join(cacheDir, `${HASHES_FILE}.${process.pid}.tmp`)
  await writeFile(temp, `${JSON.stringify(hashes, null, 2)}\n`)
  await rename(temp, join(cacheDir, HASHES_FILE))
}
