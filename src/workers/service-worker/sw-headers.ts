/**
 * The headers the app needs on every response, shared by the preview server (server/vite-plugin.ts) and the service
 * worker (src/workers/service-worker/sw.ts), which adds them itself so static hosts that cannot set headers still get threads (the
 * coi-serviceworker technique) and the Content Security Policy. Pure: no DOM, no service-worker globals.
 */
import { endpointOrigin, isCanonicalOrigin } from '../../shared/origin'

/** Cross-origin isolation: SharedArrayBuffer, so wllama can run threads. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const

/**
 * Origins the app talks to out of the box: the Hugging Face Hub (and the CDNs its downloads redirect to), Google's
 * Gemini API, and where WebLLM fetches its compiled model libraries.
 */
export const DEFAULT_CONNECT_ORIGINS = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://generativelanguage.googleapis.com',
  'https://raw.githubusercontent.com',
] as const

/** The user's endpoints that the CSP must allow, as saved in settings (`src/stores/settings-schema.ts`). */
export interface EndpointSettings {
  hubUrl?: unknown
  openaiUrl?: unknown
  geminiBaseUrl?: unknown
  /** MCP servers (src/agent/tools/mcp/types.ts): each entry's `url` counts, enabled or not, so switching one on needs no reload. */
  mcpServers?: unknown
}

/**
 * The origins of the configured endpoints, MCP servers included. Only a well-formed http(s) address counts (src/shared/origin.ts): a
 * saved value with a wildcard, `;`, spaces or another scheme adds nothing to the policy.
 */
export function endpointOrigins(s: EndpointSettings | undefined): string[] {
  const origins = new Set<string>()
  const mcpUrls = Array.isArray(s?.mcpServers) ? (s.mcpServers as Array<{ url?: unknown } | null>).map(m => m?.url) : []
  for (const value of [s?.hubUrl, s?.openaiUrl, s?.geminiBaseUrl, ...mcpUrls]) {
    const origin = value ? endpointOrigin(value) : undefined
    if (origin)
      origins.add(origin)
  }
  return [...origins]
}

/**
 * The production Content Security Policy. Scripts only from the app itself, plus compiling WebAssembly
 * ('wasm-unsafe-eval'; no JS eval); network only to the app, the default services and the given origins; workers
 * from the app or blob: (wllama starts its worker from a blob URL). `extraOrigins` are re-parsed: anything that is not
 * exactly a parsed http(s) origin is left out, so no caller can paste a directive or a wildcard into the policy.
 */
export function buildCsp(extraOrigins: readonly string[] = []): string {
  const connect = ['\'self\'', ...DEFAULT_CONNECT_ORIGINS, ...extraOrigins.filter(isCanonicalOrigin), 'blob:', 'data:']
  return [
    'default-src \'self\'',
    'script-src \'self\' \'wasm-unsafe-eval\'',
    'worker-src \'self\' blob:',
    `connect-src ${connect.join(' ')}`,
    'img-src \'self\' data: blob:',
    'style-src \'self\'',
    'font-src \'self\'',
    'manifest-src \'self\'',
    'object-src \'none\'',
    'base-uri \'self\'',
    'form-action \'none\'',
    'frame-ancestors \'none\'',
  ].join('; ')
}

/** A copy of `res` with the isolation headers and the CSP added; opaque responses cannot be changed and pass as-is. */
export function withAppHeaders(res: Response, csp: string): Response {
  if (res.status === 0 || res.type === 'opaque' || res.type === 'opaqueredirect')
    return res
  const headers = new Headers(res.headers)
  for (const [k, v] of Object.entries(ISOLATION_HEADERS))
    headers.set(k, v)
  headers.set('Cross-Origin-Resource-Policy', 'same-origin')
  headers.set('Content-Security-Policy', csp)
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
}
