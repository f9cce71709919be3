/**
 * The models folder the e2e server's mirror serves: the test models (server/test-models.ts: from MODELS_DIR, default
 * ../shared/models, else fetched once into .cache/models) plus bad files made from them (a file that is not GGUF, a
 * truncated GGUF, a split GGUF), and a `models.json` that places the instruct model under its Hub repo and revision.
 * Built at config load, before the server starts.
 */
import { copyFileSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { resolveModelsDir } from '../../server/models-dir'
import { ensureTestModels, testModel } from '../../server/test-models'
import { splitGguf } from './gguf-split'

/** One folder per e2e server port, so two runs side by side (E2E_PORT) never rewrite each other's files. */
export const E2E_MODELS_DIR = resolve(`node_modules/.tmp/e2e-models-${process.env.E2E_PORT ?? 4183}`)
export const STORIES = 'stories260K.gguf'
export const TINY = 'llama-2-tiny-random.gguf'
export const NOT_GGUF = 'not-a-model.gguf'
export const TRUNCATED = 'truncated-stories.gguf'
/** stories260K split in two by tensors, as llama.cpp's gguf-split would: a split GGUF loads as one model. */
export const SPLIT_PARTS = ['stories-split-00001-of-00002.gguf', 'stories-split-00002-of-00002.gguf']

const instruct = testModel('SmolLM2-135M-Instruct.Q4_1.gguf')
if (!instruct.hub)
  throw new Error('server/test-models.json must give the instruct model its Hub repo and revision.')
/**
 * The instruction-tuned chat model, served by the e2e mirror under its Hub repo at its pinned commit (`main` resolves
 * to it too): `{ repo, file, revision, sizeBytes, sha256 }`, `file` being the path in the repo.
 */
export const INSTRUCT = {
  repo: instruct.hub.repo,
  file: instruct.hub.file,
  revision: instruct.hub.revision,
  sizeBytes: instruct.bytes,
  sha256: instruct.sha256,
} as const

/**
 * Fills {@link E2E_MODELS_DIR} and returns it. The models come from env SOURCE_MODELS_DIR or MODELS_DIR (default
 * ../shared/models), else from the hub (TEST_MODELS_HUB_URL) once into the cache.
 * @throws Error naming a model that cannot be found or fetched, and how to provide it
 */
export async function prepareModelsDir(): Promise<string> {
  // The e2e server's mirror accepts test-only faults (server/mirror-faults.ts); Playwright passes process.env on.
  process.env.MIRROR_FAULTS = '1'
  const source = resolveModelsDir({ MODELS_DIR: process.env.SOURCE_MODELS_DIR || process.env.MODELS_DIR })
  const models = await ensureTestModels([STORIES, TINY, instruct.file], {
    ...(source && source !== E2E_MODELS_DIR && { modelsDir: source }),
  })
  mkdirSync(E2E_MODELS_DIR, { recursive: true })
  copyFileSync(models[STORIES]!, join(E2E_MODELS_DIR, STORIES))
  copyFileSync(models[TINY]!, join(E2E_MODELS_DIR, TINY))
  // 94 MiB: linked, not copied (the mirror follows symlinks), and swapped in by rename so a running server never
  // sees it missing.
  linkInto(models[instruct.file]!, join(E2E_MODELS_DIR, instruct.file))
  writeFileSync(join(E2E_MODELS_DIR, 'models.json'), `${JSON.stringify({ models: [instruct] }, null, 2)}\n`)
  writeFileSync(join(E2E_MODELS_DIR, NOT_GGUF), '<!doctype html><title>Not a model</title>\n'.repeat(64))
  const stories = readFileSync(models[STORIES]!)
  writeFileSync(join(E2E_MODELS_DIR, TRUNCATED), stories.subarray(0, Math.floor(stories.length * 0.6)))
  splitGguf(stories, SPLIT_PARTS.length).forEach((part, i) => writeFileSync(join(E2E_MODELS_DIR, SPLIT_PARTS[i]!), part))
  return E2E_MODELS_DIR
}

function linkInto(target: string, link: string): void {
  try {
    if (readlinkSync(link) === target)
      return
  }
  catch (err) {
    // Not a symlink yet (absent, or a copied file from an older run): replaced below.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EINVAL')
      throw err
  }
  const temp = `${link}.${process.pid}.tmp`
  rmSync(temp, { force: true })
  symlinkSync(target, temp)
  renameSync(temp, link)
}
