/**
 * Google Gemini through the official `@google/genai` SDK (maintained by Google, follows the API; no hand-written
 * REST). The key goes in the SDK's `x-goog-api-key` header, never in a URL, and is scrubbed from every error. The
 * SDK's fetch is wrapped so HTTP failures become ServiceErrors carrying `Retry-After`; retries are ours
 * (src/services/cloud/retry.ts), the SDK's are off.
 */
import type { GenerateContentConfig, GenerateContentResponseUsageMetadata, GoogleGenAI } from '@google/genai'
import { AppError, toAppError } from '../../shared/errors'
import { cloudMetrics, DEFAULT_STREAM_IDLE_TIMEOUT_MS, idleTimeout, linkedAbort, networkError } from '../cloud/cloud-common'
import { CloudService } from '../cloud/cloud-service'
import { httpError, redact, ServiceError } from '../cloud/http-errors'
import { CloudReply } from '../cloud/cloud-reply'
import { fromGeminiFinish } from '../../contract/reply-notice'
import type { RetryOptions, RetryPolicy } from '../cloud/retry'
import type { Capabilities, ChatChunk, ChatRequest, ModelRef, Support } from '../../contract/types'
import { fromFunctionCall, toFunctionDeclarations, toGeminiPrompt } from './gemini-messages'
import { assertKeyMayGo, keyDestination } from './key-destination'

export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash'

/**
 * Output tokens added to "Longest answer" for models that think (Gemini 2.5 and later): their `maxOutputTokens`
 * counts the thinking too, so 256 alone is often spent before the first word of the answer.
 */
export const GEMINI_THINKING_ALLOWANCE_TOKENS = 8192

/** Models that think before answering, whose thoughts the app asks to see. */
export function isThinkingModel(model: string): boolean {
  return /^(models\/)?gemini-(2\.5|[3-9])/.test(model) || /thinking/.test(model)
}

export interface GeminiOptions {
  apiKey: string
  /** API root; default Google's. Tests point it at tests/fixtures/gemini-server.ts. */
  baseUrl?: string
  /** The host the person confirmed the key may go to, when `baseUrl` is neither Google's nor loopback. */
  confirmedKeyHost?: string
  /** Longest silence between two chunks before the answer is cut and kept, in milliseconds. Default 60 000. */
  idleTimeoutMs?: number
  retry?: Partial<RetryPolicy>
  onRetry?: RetryOptions['onRetry']
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
}

export class GeminiService extends CloudService {
  readonly id = 'gemini' as const
  readonly capabilities: Capabilities = { isLocal: false, hasNativeToolCalls: true, maxContextTokens: 1_000_000, isStreaming: true, hasSchemaOutput: true }
  private clientPromise: Promise<GoogleGenAI> | undefined

  /** "Gemini (generativelanguage.googleapis.com)": the service with the host the key goes to, for messages. */
  private readonly label: string

  constructor(private readonly opts: GeminiOptions) {
    const label = `Gemini (${keyDestination(opts.baseUrl).host})`
    super(label, opts)
    this.label = label
  }

  /** The SDK is loaded on first use: users who never pick Gemini never download it. */
  private client(): Promise<GoogleGenAI> {
    this.clientPromise ??= import('@google/genai').then(({ GoogleGenAI }) => new GoogleGenAI({
      apiKey: this.opts.apiKey,
      httpOptions: { ...(this.opts.baseUrl && { baseUrl: this.opts.baseUrl }), fetch: (input, init) => this.fetch(input, init) },
    }))
    return this.clientPromise
  }

  async isSupported(): Promise<Support> {
    if (!this.opts.apiKey)
      return { isSupported: false, reason: 'Add a Gemini API key in Settings.' }
    if (!this.isOnline())
      return { isSupported: false, reason: 'You are offline.' }
    try {
      assertKeyMayGo(this.opts.baseUrl, this.opts.confirmedKeyHost)
    }
    catch (err) {
      return { isSupported: false, reason: (err as Error).message }
    }
    return { isSupported: true }
  }

  /** @throws AppError 'missing_api_key' | 'insecure_endpoint' | 'key_host_unconfirmed' */
  async initialize(model: ModelRef): Promise<void> {
    if (!this.opts.apiKey)
      throw new AppError('missing_api_key')
    assertKeyMayGo(this.opts.baseUrl, this.opts.confirmedKeyHost)
    this.state = { state: 'ready', model }
  }

  protected async* stream(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    try {
      yield* this.streamOnce(model, req, signal)
    }
    catch (err) {
      throw classify(this.label, err, signal)
    }
  }

  private async* streamOnce(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    assertKeyMayGo(this.opts.baseUrl, this.opts.confirmedKeyHost)
    const started = performance.now()
    const prompt = toGeminiPrompt(req.messages)
    const client = await this.client()
    const request = linkedAbort(signal)
    const idleMs = this.opts.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS
    try {
      const stream = await client.models.generateContentStream({ model: model.id, contents: prompt.contents, config: configOf(req, model.id, prompt.systemInstruction, request.signal) })
      const reply = new CloudReply()
      let finish: string | undefined
      let blockReason: string | undefined
      let usage: GenerateContentResponseUsageMetadata | undefined
      try {
        // Every field is optional on the wire: a chunk may carry only usage, only promptFeedback, or a candidate
        // without content (SAFETY), in any order.
        for await (const chunk of idleTimeout(stream, idleMs, request.abort)) {
          usage = chunk?.usageMetadata ?? usage
          blockReason = chunk?.promptFeedback?.blockReason ?? blockReason
          const candidate = chunk?.candidates?.[0]
          finish = candidate?.finishReason ?? finish
          for (const part of candidate?.content?.parts ?? []) {
            if (part?.functionCall)
              reply.calls.push(fromFunctionCall(part, reply.calls.length))
            else if (part?.thought)
              reply.addReasoning(part.text ?? '')
            else if (part?.text) {
              const answer = reply.push(part.text)
              if (answer)
                yield { type: 'delta', text: answer }
            }
          }
        }
      }
      catch (err) {
        reply.broke(err, signal, finish)
      }
      const tail = reply.flush()
      if (tail)
        yield { type: 'delta', text: tail }
      const reason = reply.brokenReason ?? (blockReason && !finish ? 'blocked_prompt' : fromGeminiFinish(finish))
      if (!reason)
        throw new AppError('service_unavailable', `${this.label} closed the stream before the answer was complete.`)
      const rawReason = reason === 'blocked_prompt' ? `blockReason ${blockReason}` : reply.cutDetail ?? finish
      const metrics = cloudMetrics('gemini', started, reply.firstTokenAt, usage?.promptTokenCount, usage?.candidatesTokenCount)
      yield reply.done({ reason, service: this.label, rawReason, idleTimeoutMs: idleMs, metrics })
    }
    finally {
      request.release()
    }
  }

  /** The SDK's fetch: failures become ServiceErrors with the server's Retry-After, before the SDK sees them. */
  private async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let res: Response
    try {
      res = await fetch(input, init)
    }
    catch (err) {
      throw networkError(this.label, err, init?.signal ?? undefined)
    }
    if (!res.ok)
      throw httpError(this.label, res.status, await res.text(), res.headers.get('retry-after'), [this.opts.apiKey])
    return res
  }

  /** Any error as an AppError whose message cannot contain the key (the SDK may quote the request). */
  protected override toError(err: unknown, signal?: AbortSignal): AppError {
    if (signal?.aborted)
      return new AppError('aborted')
    const e = err instanceof AppError ? err : toAppError(err, 'service_unavailable')
    const message = redact(e.message, [this.opts.apiKey])
    if (message === e.message)
      return e
    return e instanceof ServiceError ? new ServiceError(e.code, message, e.status, e.retryAfterMs) : new AppError(e.code, message)
  }

}

/** SDK errors by kind: ours pass through, a dropped connection is transient, anything else is an unreadable answer. */
function classify(label: string, err: unknown, signal?: AbortSignal): AppError {
  if (err instanceof AppError)
    return err
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError'))
    return new AppError('aborted')
  if (err instanceof TypeError || (err instanceof Error && /terminated|socket|network|ECONNRESET/i.test(err.message)))
    return networkError(label, err, signal)
  return new ServiceError('bad_response', `${label} sent an answer the app could not read.`, 200)
}

function configOf(req: ChatRequest, model: string, systemInstruction: string | undefined, signal?: AbortSignal): GenerateContentConfig {
  const s = req.sampling ?? {}
  const thinks = isThinkingModel(model)
  return {
    abortSignal: signal,
    ...(systemInstruction && { systemInstruction }),
    ...(s.temperature !== undefined && { temperature: s.temperature }),
    // "Longest answer" bounds the answer; a thinking model gets room to think on top, and shows its thoughts.
    ...(s.maxTokens !== undefined && { maxOutputTokens: s.maxTokens + (thinks ? GEMINI_THINKING_ALLOWANCE_TOKENS : 0) }),
    ...(thinks && { thinkingConfig: { includeThoughts: true } }),
    ...(s.topP !== undefined && { topP: s.topP }),
    ...(s.topK !== undefined && { topK: s.topK }),
    ...(s.seed !== undefined && { seed: s.seed }),
    ...(req.tools?.length && { tools: [{ functionDeclarations: toFunctionDeclarations(req.tools) }] }),
    ...(req.responseSchema && { responseMimeType: 'application/json', responseJsonSchema: req.responseSchema }),
  }
}
