/**
 * What the page and the download worker both do with stored model files, apart from the download engine
 * (downloader.ts pulls the hub client, the ranged fetcher and hash-wasm): the page deletes, re-checks and imports
 * models with these and stays out of that code on its first load (bench `shell`).
 */
import { AppError } from '../shared/errors'
import { blobSource, validateGguf } from '../models/gguf'
import { deleteCheckpoint, deleteStoredModel, fileNamesOfOthers, filesOf, templateSupportsTools, type ModelFacts, type StoredModel } from '../models/manifest'
import { deleteModelFile, openModelFile } from '../models/opfs-store'

/** The `repo` of a model added by its URL rather than from a hub. */
export const URL_REPO = 'url'

/** Deletes a model's files, checkpoints and manifest entry; a file another entry also lists stays. */
export async function discardModel(entry: StoredModel): Promise<void> {
  const others = await fileNamesOfOthers(entry.ref.id)
  await Promise.all(filesOf(entry).filter(f => !others.has(f.fileName)).flatMap(f => [deleteModelFile(f.fileName), deleteCheckpoint(f.fileName)]))
  await deleteStoredModel(entry.ref.id)
}

/** The cheap check every load repeats (magic, header, size), and the facts the library shows. */
export async function readFacts(fileName: string): Promise<ModelFacts> {
  const check = await validateGguf(blobSource(await openModelFile(fileName)))
  if (!check.ok)
    throw new AppError(check.code, check.message)
  const s = check.summary
  return {
    architecture: s.architecture, parameterCount: s.parameterCount, hasChatTemplate: s.hasChatTemplate,
    hasToolSupport: templateSupportsTools(s.chatTemplate),
    ...(s.name && { name: s.name }), ...(s.contextLength && { contextLength: s.contextLength }),
    ...(s.fileType && { quantization: s.fileType }),
  }
}
