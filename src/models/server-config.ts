/**
 * `/app-config.json` as the app accepts it. The file comes from whoever hosts the app (server/vite-plugin.ts writes
 * it for `npm start`), is cached for offline starts and feeds the hub address, the catalog and the thread-probe
 * threshold, so each value is checked before use: the hub must be a well-formed http(s) address
 * (src/shared/origin.ts; a `javascript:` or wildcard hub is dropped), sizes whole byte counts within reason
 * (1e300, negative or NaN read as unknown), names bounded. A bad field is left out, the rest kept; problems are listed.
 */
import { endpointProblem } from '../shared/origin'

/** A model file the server lists. */
export interface ServerModel {
  repo: string
  file: string
  /** Hub revision (commit or branch); default 'main'. */
  revision?: string
  /** Whole bytes, when the server knows it. */
  sizeBytes?: number
}

/** The accepted shape; every field optional. */
export interface ServerConfig {
  hubUrl?: string
  /** From this model size on, the thread count is learnt from chats instead of probe loads (see LoadRequest). */
  threadProbeMaxBytes?: number
  /** Files of the server's own folder (`local/models`). */
  models?: ServerModel[]
  /** Files the server's hub has under their real Hub repo and revision. */
  hubModels?: ServerModel[]
  /** The model the first visit recommends. */
  defaultModel?: { repo: string, file: string, revision?: string }
}

/** Largest size believed, in bytes (1 TiB): no GGUF a browser can hold comes near it. */
export const MAX_CONFIG_BYTES = 2 ** 40
/** Most model entries read from one list. */
export const MAX_CONFIG_MODELS = 1000

/** `owner/name`, as the Hub spells repositories; neither part `.` or `..`. */
const REPO = /^(?!\.{1,2}\/)[\w.-]{1,96}\/(?!\.{1,2}$)[\w.-]{1,96}$/
const REVISION = /^[\w.-]{1,100}$/

function isByteCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_CONFIG_BYTES
}

/** A relative file path of plain segments: no `..`, no leading `/`, no backslash or control characters. */
function isFilePath(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 500 && !/[\\\u0000-\u001F\u007F]/.test(v)
    && v.split('/').every(seg => seg !== '' && seg !== '.' && seg !== '..')
}

function readModel(raw: unknown, withSize: boolean): ServerModel | undefined {
  if (!raw || typeof raw !== 'object')
    return undefined
  const m = raw as Record<string, unknown>
  if (typeof m.repo !== 'string' || !REPO.test(m.repo) || !isFilePath(m.file))
    return undefined
  if (m.revision !== undefined && (typeof m.revision !== 'string' || !REVISION.test(m.revision)))
    return undefined
  return {
    repo: m.repo,
    file: m.file,
    ...(typeof m.revision === 'string' && { revision: m.revision }),
    ...(withSize && isByteCount(m.sizeBytes) && { sizeBytes: m.sizeBytes }),
  }
}

function readModels(raw: unknown, what: string, problems: string[]): ServerModel[] | undefined {
  if (raw === undefined)
    return undefined
  if (!Array.isArray(raw)) {
    problems.push(`${what} is not a list`)
    return undefined
  }
  const models = raw.slice(0, MAX_CONFIG_MODELS).map(m => readModel(m, true))
  const kept = models.filter((m): m is ServerModel => m !== undefined)
  if (kept.length < raw.length)
    problems.push(`${raw.length - kept.length} of ${what} left out (bad repo, file or revision, or over ${MAX_CONFIG_MODELS})`)
  const badSizes = raw.filter(m => m && typeof m === 'object' && 'sizeBytes' in m && !isByteCount((m as ServerModel).sizeBytes)).length
  if (badSizes)
    problems.push(`${badSizes} sizes in ${what} are not byte counts: shown as unknown`)
  return kept
}

/** The valid part of an `app-config.json` (or its cached copy), and what was left out, for the console. */
export function parseServerConfig(raw: unknown): { config: ServerConfig, problems: string[] } {
  const problems: string[] = []
  const config: ServerConfig = {}
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return { config, problems: raw === undefined || raw === null ? [] : ['not a JSON object'] }
  const input = raw as Record<string, unknown>
  if (input.hubUrl !== undefined) {
    const problem = endpointProblem(input.hubUrl)
    if (problem)
      problems.push(`hubUrl refused (${problem})`)
    else
      config.hubUrl = input.hubUrl as string
  }
  if (input.threadProbeMaxBytes !== undefined) {
    if (isByteCount(input.threadProbeMaxBytes))
      config.threadProbeMaxBytes = input.threadProbeMaxBytes
    else
      problems.push('threadProbeMaxBytes is not a byte count')
  }
  const models = readModels(input.models, 'models', problems)
  if (models)
    config.models = models
  const hubModels = readModels(input.hubModels, 'hubModels', problems)
  if (hubModels)
    config.hubModels = hubModels
  if (input.defaultModel !== undefined) {
    const model = readModel(input.defaultModel, false)
    if (model)
      config.defaultModel = model
    else
      problems.push('defaultModel refused')
  }
  return { config, problems }
}
