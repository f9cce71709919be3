/**
 * How the app names a model file: by hub repo, file and revision. Models own this concept; the AI service contract
 * (`src/contract/types.ts`) loads models by it and re-exports it.
 */

/** A model file on a Hugging Face-compatible hub. */
export interface ModelRef {
  /** Stable id, `${repo}/${file}`. */
  id: string
  /** `owner/name` on the hub. */
  repo: string
  /** Path of the file inside the repo, e.g. `stories260K.gguf`. */
  file: string
  /** Branch, tag or commit. Default `main`. */
  revision?: string
}
