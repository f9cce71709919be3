/**
 * Google Gemini through the official `@google/genai` SDK (maintained by Google, follows the API; no hand-written
 * REST). The key goes in the SDK's `x-goog-api-key` header, never in a URL, and is scrubbed from every error. The
 * SDK's fetch is wrapped so HTTP failures become ServiceErrors carrying `Retry-After`; retries are ours
 * (src/engines/retry.ts), the SDK's are off.
 */
import type { GenerateContentConfig, GenerateContentResponse, GoogleGenAI } from '@google/genai'
import { AppError, toAppError } from '../../protocol/errors'
import { cloudMetrics, networkError } from '../cloud-common'
import { CloudService } from '../cloud-service'
import { httpError, redact, ServiceError } from '../http-errors'
import type { RetryOptions, RetryPolicy } from '../retry'
import type { Capabilities, ChatChunk, ChatRequest, ModelRef, Support, ToolCall } from '../types'
import { fromFunctionCall, toFunctionDeclarations, toGeminiPrompt } from './gemini-messages'

export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash'
const NAME = 'Gemini'

export interface GeminiOptions {
  apiKey: string
  /** API root; default Google's. Tests point it at tests/fixtures/gemini-server.ts. */
  baseUrl?: string
  retry?: Partial<RetryPolicy>
  onRetry?: RetryOptions['onRetry']
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
}

export class GeminiService extends CloudService {
  readonly id = 'gemini' as const
  readonly capabilities: Capabilities = { isLocal: false, hasNativeToolCalls: true, maxContextTokens: 1_000_000, isStreaming: true, hasSchemaOutput: true }
  private clientPromise: Promise<GoogleGenAI> | undefined

  constructor(private readonly opts: GeminiOptions) {
    super(NAME, opts)
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
    return { isSupported: true }
  }

  /** @throws AppError 'missing_api_key' */
  async initialize(model: ModelRef): Promise<void> {
    if (!this.opts.apiKey)
      throw new AppError('missing_api_key')
    this.state = { state: 'ready', model }
  }

  protected async* stream(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    try {
      yield* this.streamOnce(model, req, signal)
    }
    catch (err) {
      throw classify(err, signal)
    }
  }

  private async* streamOnce(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    const started = performance.now()
    const prompt = toGeminiPrompt(req.messages)
    const client = await this.client()
    const stream = await client.models.generateContentStream({ model: model.id, contents: prompt.contents, config: configOf(req, prompt.systemInstruction, signal) })
    let text = ''
    let firstTokenAt = 0
    let finish: string | undefined
    let last: GenerateContentResponse | undefined
    const calls: ToolCall[] = []
    for await (const chunk of stream) {
      last = chunk
      const candidate = chunk.candidates?.[0]
      finish = candidate?.finishReason ?? finish
      for (const part of candidate?.content?.parts ?? []) {
        if (part.functionCall)
          calls.push(fromFunctionCall(part, calls.length))
        else if (part.text && !part.thought) {
          firstTokenAt ||= performance.now()
          text += part.text
          yield { type: 'delta', text: part.text }
        }
      }
    }
    if (!finish)
      throw new AppError('service_unavailable', `${NAME} closed the stream before the answer was complete.`)
    const usage = last?.usageMetadata
    const metrics = cloudMetrics('gemini', started, firstTokenAt, usage?.promptTokenCount ?? 0, usage?.candidatesTokenCount ?? 0)
    yield { type: 'done', summary: { text, finishReason: finish === 'MAX_TOKENS' ? 'length' : 'stop', mode: 'chat', metrics, ...(calls.length && { toolCalls: calls }) } }
  }

  /** The SDK's fetch: failures become ServiceErrors with the server's Retry-After, before the SDK sees them. */
  private async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let res: Response
    try {
      res = await fetch(input, init)
    }
    catch (err) {
      throw networkError(NAME, err, init?.signal ?? undefined)
    }
    if (!res.ok)
      throw httpError(NAME, res.status, await res.text(), res.headers.get('retry-after'), [this.opts.apiKey])
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
function classify(err: unknown, signal?: AbortSignal): AppError {
  if (err instanceof AppError)
    return err
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError'))
    return new AppError('aborted')
  if (err instanceof TypeError || (err instanceof Error && /terminated|socket|network|ECONNRESET/i.test(err.message)))
    return networkError(NAME, err, signal)
  return new ServiceError('bad_response', `${NAME} sent an answer the app could not read.`, 200)
}

function configOf(req: ChatRequest, systemInstruction: string | undefined, signal?: AbortSignal): GenerateContentConfig {
  const s = req.sampling ?? {}
  return {
    abortSignal: signal,
    ...(systemInstruction && { systemInstruction }),
    ...(s.temperature !== undefined && { temperature: s.temperature }),
    ...(s.maxTokens !== undefined && { maxOutputTokens: s.maxTokens }),
    ...(s.topP !== undefined && { topP: s.topP }),
    ...(s.topK !== undefined && { topK: s.topK }),
    ...(s.seed !== undefined && { seed: s.seed }),
    ...(req.tools?.length && { tools: [{ functionDeclarations: toFunctionDeclarations(req.tools) }] }),
    ...(req.responseSchema && { responseMimeType: 'application/json', responseJsonSchema: req.responseSchema }),
  }
}
