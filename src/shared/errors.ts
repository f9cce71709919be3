/**
 * One error type for the whole app. `instanceof` does not survive `postMessage`; a `code` does, so errors cross the
 * worker boundary as {@link SerializedError} and are rebuilt with {@link deserializeError}.
 */
import { chunkFileOf, isChunkLoadError } from './chunk-load'

/** Every error a user can meet. Each has a plain message and a next step in {@link ERROR_HELP}. */
export const ERROR_CODES = [
  'aborted',
  'timeout',
  'queue_full',
  'worker_crashed',
  'engine_restarted',
  'model_not_found',
  'model_not_loaded',
  'download_failed',
  'integrity_failed',
  'invalid_model_file',
  'truncated_model_file',
  'storage_quota',
  'storage_unavailable',
  'load_failed',
  'out_of_memory',
  'unsupported_device',
  'inference_failed',
  'busy_elsewhere',
  'unknown',
  'offline',
  'missing_api_key',
  'request_rejected',
  'rate_limited',
  'service_unavailable',
  'bad_response',
  'model_evicted',
  'import_invalid',
  'conversations_unavailable',
  'bad_request',
  'engine_stuck',
  'server_model_not_found',
  'key_host_unconfirmed',
  'insecure_endpoint',
  'load_timeout',
  'context_exceeded',
  'mcp_unreachable',
  'mcp_rejected',
  'storage_full',
  'conversation_not_saved',
  'chunk_load_failed',
  'server_not_set',
  'reload_needed',
  'redirect_blocked',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** What the user is told, and what to do next, for each code. `docs/troubleshooting.md` has one section a code. */
export const ERROR_HELP: Record<ErrorCode, { title: string, action: string }> = {
  aborted: { title: 'Stopped.', action: 'Send the message again when you are ready.' },
  timeout: { title: 'The request took too long and was stopped.', action: 'Try a shorter prompt, or raise the timeout in Settings.' },
  queue_full: { title: 'Too many requests are waiting.', action: 'Wait for the current answers to finish, or stop one, then try again.' },
  worker_crashed: { title: 'The inference engine stopped unexpectedly.', action: 'Send the message again: the model reloads automatically.' },
  engine_restarted: { title: 'The inference engine was restarted, so this answer stopped here.', action: 'Send the message again: the model loads again first.' },
  model_not_found: { title: 'The model file was not found on the model hub.', action: 'Check the repository and file name, or pick another model.' },
  model_not_loaded: { title: 'No model is loaded.', action: 'Download and load a model first.' },
  download_failed: { title: 'The download did not finish.', action: 'Check your connection and press Download again.' },
  integrity_failed: { title: 'The downloaded file does not match the hub\'s checksum, so it was deleted.', action: 'Press Download again; if it keeps failing, the file on the hub may have changed.' },
  invalid_model_file: { title: 'This file is not a GGUF model.', action: 'Pick a .gguf file made for llama.cpp.' },
  truncated_model_file: { title: 'The model file is incomplete.', action: 'Delete it and download it again.' },
  storage_quota: { title: 'Not enough storage space for this model.', action: 'Delete models you no longer use, or pick a smaller one.' },
  storage_unavailable: { title: 'This browser does not allow the app to store files.', action: 'Leave private browsing, or use a recent Chrome, Edge or Firefox.' },
  load_failed: { title: 'The model could not be loaded.', action: 'Try a smaller context size in Settings, or another model.' },
  out_of_memory: { title: 'The device ran out of memory for this model.', action: 'Pick a smaller model or a smaller context size.' },
  unsupported_device: { title: 'This device cannot run this model.', action: 'Pick a model marked as compatible with your device.' },
  inference_failed: { title: 'The model failed while writing its answer.', action: 'Try again; if it repeats with this model, choose another one under Models: this file may be broken or unsupported.' },
  busy_elsewhere: { title: 'The model is open in another tab.', action: 'Close the other tab, or take over the model here.' },
  unknown: { title: 'Something went wrong.', action: 'Reload the page; if it repeats, see Troubleshooting.' },
  offline: { title: 'You are offline, so the cloud model cannot be reached.', action: 'Reconnect, or switch to a model on this device.' },
  missing_api_key: { title: 'No API key is set for this service.', action: 'Add your key in Settings, or switch to a model on this device.' },
  request_rejected: { title: 'The service refused the request: the API key, the model name or the request itself.', action: 'Check the key and the model name in Settings; the message says which.' },
  rate_limited: { title: 'The service is receiving too many requests from you.', action: 'Wait a minute and send the message again.' },
  service_unavailable: { title: 'The service could not answer right now.', action: 'Try again in a moment, or switch to a model on this device.' },
  bad_response: { title: 'The service sent an answer the app could not read.', action: 'Try again; check the server address in Settings if it repeats.' },
  model_evicted: { title: 'The browser removed this model\'s file to free space.', action: 'Press Download again; ask the browser to keep the site\'s data (persistent storage) to avoid it.' },
  import_invalid: { title: 'This file is not a conversations export, so nothing was imported.', action: 'Pick a .json file made with Export in this app; your conversations are unchanged.' },
  conversations_unavailable: { title: 'Conversations cannot be saved in this browser.', action: 'Leave private browsing, close other tabs of this app and reload.' },
  bad_request: { title: 'The inference engine refused a malformed request.', action: 'Reload the page; if it repeats, report it with the message shown.' },
  engine_stuck: { title: 'The inference engine did not stop when asked, so it was restarted.', action: 'Send the message again: the model reloads automatically.' },
  server_model_not_found: { title: 'The server you set up does not have this model, or that address is not its API.', action: 'Check the model name and server URL in Settings; with Ollama, pull the model first (ollama pull NAME).' },
  key_host_unconfirmed: { title: 'The Gemini key was not sent: the Gemini base URL is not a Google address and you have not confirmed it.', action: 'In Settings, check the Gemini base URL and confirm that your key may go to that host, or empty the field to use Google.' },
  reload_needed: { title: 'This page cannot reach the new address until it is reloaded.', action: 'Press Reload page: the page allows an address saved in Settings from its next load.' },
  redirect_blocked: { title: 'The file\'s server sends it on to another address, which this page may not reach.', action: 'Download the file in your browser, then drop it on "Drop a .gguf here" on the Models screen.' },
  server_not_set: { title: 'Your own server has no address yet.', action: 'Add its address in Settings (for example http://localhost:11434/v1 for Ollama, http://localhost:8080/v1 for llama-server).' },
  insecure_endpoint: { title: 'The key was not sent: plain http is only allowed to this computer (localhost).', action: 'Use an https:// address in Settings, or a server on localhost.' },
  context_exceeded: { title: 'This message does not fit in the model\'s context.', action: 'Shorten the message, raise the context size in Settings, or start a new chat.' },
  load_timeout: { title: 'The model took too long to load, so the engine was restarted.', action: 'Send your message again: a busy device (other apps or tabs working hard) loads slowly. If it happens every time, pick another model, or set a chat template for this one in Settings (its own may loop).' },
  mcp_unreachable: { title: 'An MCP server could not be reached, so its tools were left out.', action: 'Check that the server is running and its URL in Settings > MCP servers, then press Refresh tools.' },
  mcp_rejected: { title: 'An MCP server refused the request: its token is missing or wrong.', action: 'Check the server\'s token in Settings > MCP servers.' },
  storage_full: { title: 'Storage on this device is full, so your latest changes are not saved yet.', action: 'Delete downloaded models or old chats you no longer need. Unsaved messages stay here and are saved as soon as there is room; do not reload until then.' },
  chunk_load_failed: { title: 'Part of the app could not be loaded.', action: 'Press Reload while online. Offline, this part was not saved for offline use yet: open the app once with a connection, wait for "Works offline", then it works without one.' },
  conversation_not_saved: { title: 'The browser refused to save a change to your conversations.', action: 'Your messages stay on this screen. Send again or try again; if it repeats, export your conversations, then reload.' },
}

/** The shape an error has while it crosses `postMessage`. */
export interface SerializedError {
  name: string
  code: ErrorCode
  message: string
  stack?: string
  /** Numbers that go with the code (`context_exceeded`: promptTokens, nCtx). */
  details?: ErrorDetails
}

/** Numbers an error carries across the worker boundary, e.g. `{ promptTokens: 802, nCtx: 256 }`. */
export type ErrorDetails = Readonly<Record<string, number>>

export class AppError extends Error {
  readonly code: ErrorCode
  /** Numbers that go with the code, for the caller to act on (`context_exceeded`: promptTokens, nCtx). */
  readonly details?: ErrorDetails

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown, details?: ErrorDetails }) {
    super(message ?? ERROR_HELP[code].title, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options?.details)
      this.details = options.details
    // Aborts look like fetch's, so `err.name === 'AbortError'` works for every caller.
    this.name = code === 'aborted' ? 'AbortError' : 'AppError'
  }

  /** The next step for the user. */
  get action(): string {
    return ERROR_HELP[this.code].action
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

/** Any thrown value as an AppError; aborts (DOMException or wllama's) keep the code `aborted`. */
export function toAppError(err: unknown, fallback: ErrorCode = 'unknown'): AppError {
  if (err instanceof AppError)
    return err
  // A chunk that could not be fetched (offline before it was cached, or a new deployment removed it) is its own kind,
  // whatever the caller was doing: the raw "Failed to fetch dynamically imported module" helps nobody.
  if (isChunkLoadError(err)) {
    const file = chunkFileOf(err)
    return new AppError('chunk_load_failed', file ? `The file ${file} could not be fetched.` : undefined, { cause: err })
  }
  if (err instanceof Error) {
    const code = err.name === 'AbortError' ? 'aborted' : fallback
    return new AppError(code, err.message || ERROR_HELP[code].title, { cause: err })
  }
  return new AppError(fallback, typeof err === 'string' ? err : ERROR_HELP[fallback].title)
}

export function serializeError(err: unknown, fallback: ErrorCode = 'unknown'): SerializedError {
  const app = toAppError(err, fallback)
  return { name: app.name, code: app.code, message: app.message, stack: app.stack, ...(app.details && { details: app.details }) }
}

export function deserializeError(err: SerializedError): AppError {
  const app = new AppError(isErrorCode(err.code) ? err.code : 'unknown', err.message, { details: plainNumbers(err.details) })
  if (err.stack)
    app.stack = err.stack
  return app
}

/** Only a record of finite numbers survives as details: the worker's answer is data, not trusted structure. */
function plainNumbers(value: unknown): ErrorDetails | undefined {
  if (!value || typeof value !== 'object')
    return undefined
  const entries = Object.entries(value).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
  return entries.length ? Object.fromEntries(entries) as ErrorDetails : undefined
}

export function abortError(): AppError {
  return new AppError('aborted')
}
