/**
 * Where the local GGUF files live, for the hub mirror of the dev/preview servers and for tests.
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'

/** The shared test models' fixed location on the project machines. */
const SHARED_MODELS_DIR = '/work/shared/models'

/**
 * The models folder: `env.MODELS_DIR` if set (resolved against `cwd`, and returned even when it does not exist, so
 * the caller can report the wrong path), else the first existing folder of `<cwd>/../shared/models` (a checkout next
 * to the shared folder) and `/work/shared/models`. The second fallback exists because a clean clone somewhere else
 * (`/tmp/x`) has no `../shared`, yet should still find the shared test models.
 * @returns an absolute path, or undefined when MODELS_DIR is unset and no fallback exists
 */
export function resolveModelsDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  if (env.MODELS_DIR)
    return resolve(cwd, env.MODELS_DIR)
  return [resolve(cwd, '../shared/models'), SHARED_MODELS_DIR].find(isDirectory)
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false
}
