/**
 * The button an error carries for its next step, by error code and the backend it came from: Add key opens Settings
 * on the key's field, Reload page when the page's security policy must admit a new address, Retry, Open models, or
 * Use the model here (another tab holds it). The words of each step are in ERROR_HELP's `action`; this says which
 * button does it. Framework-free.
 */
import type { ErrorCode } from './errors'

/** A Settings field an error can send the person to (`/settings?field=NAME` focuses it). */
export type SettingsTarget = 'geminiApiKey' | 'geminiBaseUrl' | 'openaiUrl' | 'openaiKey' | 'openaiModel' | 'nCtx' | 'backend'

/** One button under an error. */
export type NextStep =
  | { kind: 'settings', field: SettingsTarget, label: string }
  | { kind: 'reload' | 'retry' | 'models' | 'take-over', label: string }

/** What is known besides the code. */
export interface NextStepContext {
  /** The backend the failed request went to ('gemini', 'openai-compat', 'wllama'...), when known. */
  backend?: string
  /** The page's security policy (CSP) blocked the address: it admits new addresses from the next page load. */
  isBlockedByPolicy?: boolean
  /** The failed thing can be tried again from where the error is shown (a reply: Regenerate). */
  canRetry?: boolean
  /** This tab holds the local model now: an old busy_elsewhere needs no take-over (Retry alone answers). */
  holdsModel?: boolean
}

/**
 * Codes where Retry can succeed: the cause passes (a timeout, the network, a busy server) or a step shown beside it
 * (Add key, Check model name, Use the model here) changes what Retry sends. Not context_exceeded or out_of_memory: the
 * same message on the same model fails the same way, so their buttons are Context size and Open models instead.
 */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'timeout', 'queue_full', 'worker_crashed', 'engine_restarted', 'inference_failed', 'unknown', 'offline', 'rate_limited',
  'service_unavailable', 'bad_response', 'engine_stuck', 'load_timeout', 'busy_elsewhere', 'download_failed',
  'request_rejected', 'server_model_not_found', 'missing_api_key', 'model_not_loaded', 'load_failed',
])

/** The buttons for an error, most useful first; empty when there is nothing to press (an import refused). */
export function nextSteps(code: ErrorCode, ctx: NextStepContext = {}): NextStep[] {
  const isGemini = ctx.backend === 'gemini'
  const isServer = ctx.backend === 'openai-compat'
  const steps: NextStep[] = []
  if (ctx.isBlockedByPolicy)
    steps.push({ kind: 'reload', label: 'Reload page' })
  switch (code) {
    case 'missing_api_key':
      steps.push({ kind: 'settings', field: isServer ? 'openaiKey' : 'geminiApiKey', label: 'Add key' })
      break
    case 'request_rejected':
      if (isGemini || isServer)
        steps.push({ kind: 'settings', field: isServer ? 'openaiKey' : 'geminiApiKey', label: 'Check key' })
      break
    case 'key_host_unconfirmed':
      steps.push({ kind: 'settings', field: 'geminiBaseUrl', label: 'Check Gemini address' })
      break
    case 'insecure_endpoint':
      steps.push({ kind: 'settings', field: isGemini ? 'geminiBaseUrl' : 'openaiUrl', label: 'Check server address' })
      break
    case 'reload_needed':
      if (!ctx.isBlockedByPolicy)
        steps.push({ kind: 'reload', label: 'Reload page' })
      break
    case 'server_not_set':
      steps.push({ kind: 'settings', field: 'openaiUrl', label: 'Add address' })
      break
    case 'server_model_not_found':
      steps.push({ kind: 'settings', field: 'openaiModel', label: 'Check model name' })
      break
    case 'service_unavailable':
    case 'bad_response':
      if (isServer && !ctx.isBlockedByPolicy)
        steps.push({ kind: 'settings', field: 'openaiUrl', label: 'Check server address' })
      break
    case 'context_exceeded':
      steps.push({ kind: 'settings', field: 'nCtx', label: 'Context size' })
      break
    case 'busy_elsewhere':
      if (!ctx.holdsModel)
        steps.push({ kind: 'take-over', label: 'Use the model here' })
      break
    case 'unsupported_device':
      steps.push(ctx.backend === 'local-gpu' ? { kind: 'settings', field: 'backend', label: 'Choose backend' } : { kind: 'models', label: 'Open models' })
      break
    case 'model_not_loaded':
    case 'model_not_found':
    case 'model_evicted':
    case 'out_of_memory':
    case 'storage_quota':
      steps.push({ kind: 'models', label: 'Open models' })
      break
    default:
      break
  }
  if (ctx.canRetry && RETRYABLE.has(code))
    steps.push({ kind: 'retry', label: 'Retry' })
  return steps
}

/**
 * `message` without the sentences `advice` already says, so a card that shows both ("...holds 256. Shorten the
 * message, ..." above "What to do: Shorten the message, ...") says each thing once. Sentences end at . ! or ? and a
 * space; they are compared ignoring case and spacing. Returns '' when every sentence was advice.
 */
export function withoutRepeatedAdvice(message: string, advice: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim()
  const said = norm(advice)
  return message.split(/(?<=[.!?])\s+/).filter(s => !said.includes(norm(s))).join(' ').trim()
}

/**
 * `message` without a start that repeats `title`, for a card that shows the title above the message: "This file is
 * not a GGUF model: it does not start with "GGUF"." under the title "This file is not a GGUF model." becomes "It does
 * not start with "GGUF".", and "...model (it starts with X, not "GGUF")." becomes "It starts with X, not "GGUF".". A
 * leading "name: " stays: "a.gguf: This file is not a GGUF model (...)" becomes "a.gguf: it starts with ...".
 * Compared ignoring case; the title must end at a word boundary. Returns '' when the message is the title; `message`
 * unchanged when it does not start with the title.
 */
export function withoutRepeatedTitle(message: string, title: string): string {
  const stem = title.trim().replace(/[.!?]$/, '')
  const text = message.trim()
  const at = stem ? text.toLowerCase().indexOf(stem.toLowerCase()) : -1
  const prefix = at > 0 ? text.slice(0, at) : ''
  // A prefix such as 'a.gguf: ' (no sentence ends in it: a '.' not followed by a space, as in a file name).
  const isStart = at === 0 || (at > 0 && /^(?:[^.!?]|[.!?](?!\s))*:\s+$/.test(prefix))
  if (!isStart || /\w/.test(text.charAt(at + stem.length)))
    return message
  let rest = text.slice(at + stem.length).replace(/^\s*[:;,.!?\u2013\u2014-]?\s*/, '')
  const close = rest.lastIndexOf(')')
  if (rest.startsWith('(') && close > 0)
    rest = (rest.slice(1, close) + rest.slice(close + 1)).trim()
  if (!rest)
    return prefix.replace(/:\s*$/, '')
  return prefix ? prefix + rest : rest.charAt(0).toUpperCase() + rest.slice(1)
}
