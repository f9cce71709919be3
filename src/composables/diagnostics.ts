/**
 * "Copy diagnostics": what a bug report needs about this browser and the engine, as text: codes, statuses, versions
 * and capabilities. Never message text: an error's message can quote a server's reply (which may echo the request, the
 * conversation, or a key spaced out or base64-encoded, which no pattern can find) or the person's words, so errors are
 * listed by code and HTTP status only (error-log.ts keeps nothing else), and a model address loses its query. Every
 * value still passes through {@link redactSecrets}.
 */
import type { WorkerEnvironment } from '../contract/messages'
import type { LoggedError } from './error-log'

/** Filled in by vite.config.ts from package.json. */
declare const __APP_VERSIONS__: Record<string, string> | undefined

export interface DiagnosticsInput {
  userAgent: string
  isCrossOriginIsolated: boolean
  hasSharedArrayBuffer: boolean
  hardwareConcurrency: number
  deviceMemoryGiB?: number
  env: WorkerEnvironment | null
  /** The loaded model, or null. */
  model: { id: string, backend: string, threads: number, nCtx: number } | null
  backendSetting: string
  isServiceWorkerControlling: boolean
  recentErrors: LoggedError[]
  versions: Record<string, string>
}

const REDACTED = '[redacted]'
/** Shapes of credentials that may turn up in messages even when the exact key is unknown. */
const SECRET_PATTERNS: RegExp[] = [
  /AIza[0-9A-Za-z_-]{10,}/g, // Google API keys
  /\bsk-[0-9A-Za-z_-]{8,}/g, // OpenAI-style keys
  /(\bBearer\s+)[^\s"']+/gi,
  /([?&](?:key|api_key|apikey|access_token)=)[^&\s"']+/gi,
  /((?:x-goog-api-key|authorization)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
]

/** Replaces each known secret (and anything shaped like a credential) with `[redacted]`. */
export function redactSecrets(text: string, secrets: string[]): string {
  let out = text
  for (const s of secrets.filter(s => s.length >= 4).sort((a, b) => b.length - a.length))
    out = out.split(s).join(REDACTED)
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_m: string, prefix?: unknown) => `${typeof prefix === 'string' ? prefix : ''}${REDACTED}`)
  return out
}

export function appVersions(): Record<string, string> {
  return typeof __APP_VERSIONS__ === 'object' && __APP_VERSIONS__ ? __APP_VERSIONS__ : {}
}

function gpuLines(env: WorkerEnvironment | null): string[] {
  const gpu = env?.gpu
  if (!gpu)
    return ['WebGPU: not probed yet']
  if (!gpu.hasAdapter)
    return [`WebGPU: no adapter (${gpu.reason ?? 'unknown reason'})`]
  return [
    `WebGPU adapter: ${gpu.vendor ?? 'unknown vendor'}`,
    `WebGPU features: ${gpu.features.join(', ') || '(none)'}`,
    ...(gpu.maxBufferSizeBytes ? [`WebGPU max buffer: ${gpu.maxBufferSizeBytes} bytes`] : []),
  ]
}

/** A model id without what an address may carry besides its place: user name, password, query, fragment. */
function modelIdOnly(id: string): string {
  return id.replace(/\/\/[^/@\s]*@/g, '//').replace(/[?#].*$/s, '')
}

function errorLine(e: LoggedError): string {
  return `- ${new Date(e.at).toISOString()} ${e.code}${e.status === undefined ? '' : ` (HTTP ${e.status})`}`
}

/** The diagnostics report as plain text, with secrets removed. */
export function formatDiagnostics(d: DiagnosticsInput, secrets: string[]): string {
  const lines = [
    '# Local AI Assistant diagnostics',
    `Time: ${new Date().toISOString()}`,
    `Browser: ${d.userAgent}`,
    `Cross-origin isolated: ${d.isCrossOriginIsolated} (SharedArrayBuffer: ${d.hasSharedArrayBuffer}; worker: ${d.env?.isCrossOriginIsolated ?? 'unknown'})`,
    `Service worker controlling: ${d.isServiceWorkerControlling}`,
    `CPU threads (hardwareConcurrency): ${d.hardwareConcurrency}`,
    `Device memory: ${d.deviceMemoryGiB === undefined ? 'unknown' : `${d.deviceMemoryGiB} GiB`}`,
    ...gpuLines(d.env),
    `Backend setting: ${d.backendSetting}`,
    d.model ? `Model: ${modelIdOnly(d.model.id)} on ${d.model.backend}, ${d.model.threads} threads, context ${d.model.nCtx}` : 'Model: none loaded',
    `Versions: ${Object.entries(d.versions).map(([k, v]) => `${k} ${v}`).join(', ') || 'unknown'}`,
    `Recent errors (${d.recentErrors.length}):`,
    ...d.recentErrors.map(errorLine),
  ]
  return redactSecrets(lines.join('\n'), secrets)
}
