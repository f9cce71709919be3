/**
 * The models folder the e2e server's mirror serves: the real test models from ../shared/models plus bad files made
 * from them (a file that is not GGUF, a truncated GGUF). Built once, at config load, before the server starts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { resolveModelsDir } from '../../server/models-dir'
import { splitGguf } from './gguf-split'

/** One folder per e2e server port, so two runs side by side (E2E_PORT) never rewrite each other's files. */
export const E2E_MODELS_DIR = resolve(`node_modules/.tmp/e2e-models-${process.env.E2E_PORT ?? 4183}`)
export const STORIES = 'stories260K.gguf'
export const NOT_GGUF = 'not-a-model.gguf'
export const TRUNCATED = 'truncated-stories.gguf'
/** stories260K split in two by tensors, as llama.cpp's gguf-split would: a split GGUF loads as one model. */
export const SPLIT_PARTS = ['stories-split-00001-of-00002.gguf', 'stories-split-00002-of-00002.gguf']

export function prepareModelsDir(): string {
  // The e2e server's mirror accepts test-only faults (server/mirror-faults.ts); Playwright passes process.env on.
  process.env.MIRROR_FAULTS = '1'
  const source = resolveModelsDir({ MODELS_DIR: process.env.SOURCE_MODELS_DIR })
  if (!source || !existsSync(join(source, STORIES)))
    throw new Error(`The test models were not found (looked for ${STORIES} in ../shared/models and /work/shared/models); set SOURCE_MODELS_DIR.`)
  mkdirSync(E2E_MODELS_DIR, { recursive: true })
  copyFileSync(join(source, STORIES), join(E2E_MODELS_DIR, STORIES))
  copyFileSync(join(source, 'llama-2-tiny-random.gguf'), join(E2E_MODELS_DIR, 'llama-2-tiny-random.gguf'))
  writeFileSync(join(E2E_MODELS_DIR, NOT_GGUF), '<!doctype html><title>Not a model</title>\n'.repeat(64))
  const stories = readFileSync(join(source, STORIES))
  writeFileSync(join(E2E_MODELS_DIR, TRUNCATED), stories.subarray(0, Math.floor(stories.length * 0.6)))
  splitGguf(stories, SPLIT_PARTS.length).forEach((part, i) => writeFileSync(join(E2E_MODELS_DIR, SPLIT_PARTS[i]!), part))
  return E2E_MODELS_DIR
}
