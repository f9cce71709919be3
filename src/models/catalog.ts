/**
 * Models the app offers. The server may provide its own list (`/app-config.json`, served by `npm start` from the
 * local mirror); otherwise these public Hugging Face files are offered.
 */
import type { ModelRef } from '../engines/types'

export interface CatalogEntry extends ModelRef {
  label: string
  /** Download size, in bytes, when known before asking the hub. */
  sizeBytes?: number
}

export function modelRef(repo: string, file: string, revision = 'main'): ModelRef {
  return { id: `${repo}/${file}`, repo, file, revision }
}

/** Just the reference, as a plain object: Vue proxies and extra fields cannot cross postMessage or IndexedDB. */
export function toModelRef(m: ModelRef): ModelRef {
  return modelRef(m.repo, m.file, m.revision)
}

export function catalogEntry(repo: string, file: string, sizeBytes?: number): CatalogEntry {
  const label = file.split('/').pop()?.replace(/\.gguf$/i, '') ?? file
  return { ...modelRef(repo, file), label, sizeBytes }
}

/** Offered when the server has no list of its own. */
export const PUBLIC_CATALOG: CatalogEntry[] = [
  catalogEntry('ggml-org/models', 'tinyllamas/stories260K.gguf', 1_185_376),
  catalogEntry('ggml-org/models', 'tinyllamas/stories15M-q4_0.gguf'),
]
