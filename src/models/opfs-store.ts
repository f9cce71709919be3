/**
 * Model files in the Origin Private File System. Works on the page and in workers; nothing here imports Vue.
 * Layout: `/models/<file name>`, the name made by `storageName()` (storage-name.ts) from (repo, revision, file), or,
 * for models stored before it, the old `owner--repo--file` name their manifest entry records.
 */
import { AppError } from '../shared/errors'

const MODELS_DIR = 'models'

async function modelsDir(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory)
    throw new AppError('storage_unavailable')
  try {
    const root = await navigator.storage.getDirectory()
    return await root.getDirectoryHandle(MODELS_DIR, { create: true })
  }
  catch (err) {
    throw new AppError('storage_unavailable', `The browser refused file storage: ${String(err)}`, { cause: err })
  }
}

/** The stored file, disk-backed: reading it does not copy it into memory. */
export async function openModelFile(fileName: string): Promise<File> {
  const dir = await modelsDir()
  try {
    const handle = await dir.getFileHandle(fileName)
    return await handle.getFile()
  }
  catch (err) {
    throw new AppError('model_evicted', `The model file "${fileName}" is no longer in this browser's storage (evicted or deleted). Download it again.`, { cause: err })
  }
}

/** The handle of a model file; `create` makes an empty one if missing. */
export async function modelFileHandle(fileName: string, create = false): Promise<FileSystemFileHandle> {
  const dir = await modelsDir()
  return dir.getFileHandle(fileName, { create })
}

/** Names of every file in the models folder. */
export async function listModelFiles(): Promise<string[]> {
  const dir = await modelsDir() as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }
  const names: string[] = []
  for await (const name of dir.keys())
    names.push(name)
  return names
}

/** A writable for a new download; `keepExistingData` continues a partial file. */
export async function createModelWritable(fileName: string, keepExistingData = false): Promise<FileSystemWritableFileStream> {
  const dir = await modelsDir()
  const handle = await dir.getFileHandle(fileName, { create: true })
  return handle.createWritable({ keepExistingData })
}

export async function deleteModelFile(fileName: string): Promise<void> {
  const dir = await modelsDir()
  try {
    await dir.removeEntry(fileName)
  }
  catch (err) {
    if (!(err instanceof DOMException && err.name === 'NotFoundError'))
      throw err
  }
}

export async function modelFileSize(fileName: string): Promise<number | undefined> {
  const dir = await modelsDir()
  try {
    return (await (await dir.getFileHandle(fileName)).getFile()).size
  }
  catch (err) {
    if (err instanceof DOMException && err.name === 'NotFoundError')
      return undefined
    throw err
  }
}

/** Bytes used and available to this origin, as the browser reports them. */
export async function storageEstimate(): Promise<{ usageBytes: number, quotaBytes: number }> {
  const e = await navigator.storage.estimate()
  return { usageBytes: e.usage ?? 0, quotaBytes: e.quota ?? 0 }
}
