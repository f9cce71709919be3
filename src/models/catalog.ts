/**
 * Models the app offers. The recommended public models are data (`./catalog.json`): repo, file, quantization,
 * approximate size, license, a RAM estimate and whether the chat template supports tool calls. The exact size and
 * SHA-256 are read from the hub when a download starts, pinned to that commit. The server may provide its own list
 * (`/app-config.json`, served by `npm start` from the local mirror), shown first.
 */
import type { ModelRef } from './model-ref'
import catalogData from './catalog.json'

export interface CatalogEntry extends ModelRef {
  label: string
  /** Download size, in bytes, when known before asking the hub (approximate for the public catalog). */
  sizeBytes?: number
  /** llama.cpp quantization, e.g. `Q4_K_M`. */
  quantization?: string
  /** SPDX-like license id from the model card, e.g. `apache-2.0`, `gemma`, `llama3.2`. */
  license?: string
  /** Memory the model needs at a 2k context, in bytes (weights + KV cache + buffers, rounded up). */
  ramBytes?: number
  /** The model's chat template handles tool definitions and tool calls. */
  hasToolSupport?: boolean
  /**
   * Sampling recommended for this model, used while Settings' "Use the model's recommended sampling" is on.
   * SmolLM2 360M: temperature 0.2, top-p 0.9, its model card's usage example (huggingface.co/HuggingFaceTB). SmolLM2
   * 135M: greedy (temperature 0), measured: at the app's general 0.7 it answered "And of Germany?" with German
   * gibberish, and even at its card's 0.2 "What is the capital of France?" began "L'Alma, la France..." in 1 of 6
   * samples (node-llama-cpp, same file) and in the e2e run, while greedy answered "Paris", then "Berlin", every time.
   */
  sampling?: { temperature?: number, topP?: number, topK?: number }
  /** One line a newcomer understands: what the model is good for. */
  summary?: string
  /**
   * Where the entry comes from: the app's catalog of chat models (default), or a file the deployment's own server
   * offers (`local/models` on the `npm start` mirror: test files, never recommended).
   */
  source?: 'catalog' | 'server'
}

export function modelRef(repo: string, file: string, revision = 'main'): ModelRef {
  return { id: `${repo}/${file}`, repo, file, revision }
}

/** Just the reference, as a plain object: Vue proxies and extra fields cannot cross postMessage or IndexedDB. */
export function toModelRef(m: ModelRef): ModelRef {
  return modelRef(m.repo, m.file, m.revision)
}

/**
 * A model's name as the person reads it everywhere (header picker, Settings, status chip, library): its file's name
 * without folders and without `.gguf` (any case). `"sub/SmolLM2-135M-Instruct.Q4_1.GGUF"` -> `"SmolLM2-135M-Instruct.Q4_1"`.
 */
export function modelName(file: string): string {
  return (file.split('/').pop() || file).replace(/\.gguf$/i, '')
}

export function catalogEntry(repo: string, file: string, sizeBytes?: number): CatalogEntry {
  return { ...modelRef(repo, file), label: modelName(file), sizeBytes }
}

/** Offered when the server has no list of its own, and after its list otherwise. */
export const PUBLIC_CATALOG: CatalogEntry[] = (catalogData as Array<Omit<CatalogEntry, 'id'>>)
  .map(e => ({ ...e, ...modelRef(e.repo, e.file, e.revision) }))

/** The model the first visit offers and the first message downloads: the first catalog entry. */
export const RECOMMENDED_MODEL: CatalogEntry = PUBLIC_CATALOG[0]!
