/**
 * An OpenAI-compatible chat server (llama.cpp's llama-server, Ollama, vLLM, LM Studio) through the official `openai`
 * package in browser mode: its SSE reader and request building are maintained upstream; ours is only the reading of
 * each chunk, which trusts no field the streaming schema marks optional (servers differ). The SDK's retries are off
 * (ours are in src/services/cloud/retry.ts); its fetch is ours, so HTTP failures become ServiceErrors with the server's own
 * message and host, and the SDK's telemetry headers are dropped (servers that list allowed CORS headers refuse them).
 * Tool calls are native (`tools`), streamed as `tool_calls` deltas and reassembled here.
 */
import type OpenAI from 'openai'
import { AppError } from '../../shared/errors'
import { assertOnline, cloudMetrics, DEFAULT_STREAM_IDLE_TIMEOUT_MS, idleTimeout, linkedAbort, networkError } from '../cloud/cloud-common'
import { CloudService } from '../cloud/cloud-service'
import { httpError, redact, ServiceError } from '../cloud/http-errors'
import { stripReasoning } from '../../contract/reasoning'
import { CloudReply } from '../cloud/cloud-reply'
import { fromOpenAIFinish } from '../../contract/reply-notice'
import { hostOf } from '../../shared/origin'
import type { RetryOptions, RetryPolicy } from '../cloud/retry'
import type { Capabilities, ChatChunk, ChatRequest, FinishReason, ModelRef, Support } from '../../contract/types'
import { mergeToolCalls, type StreamEvent } from './stream-event'

export interface OpenAICompatOptions {
  /** Server root, e.g. `http://localhost:8080` (the `/v1/chat/completions` path is appended). */
  baseUrl: string
  /** Sent as `Authorization: Bearer`; many local servers need none. */
  apiKey?: string
  /** Context the server's model accepts, in tokens. Default 8192. */
  maxContextTokens?: number
  /** Longest silence between two chunks before the answer is cut and kept, in milliseconds. Default 60 000. */
  idleTimeoutMs?: number
  retry?: Partial<RetryPolicy>
  onRetry?: RetryOptions['onRetry']
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
}

export class OpenAICompatService extends CloudService {
  readonly id = 'openai-compat' as const
  readonly capabilities: Capabilities
  /** "The server at localhost:11434": the server as the person configured it, for messages. */
  private readonly label: string
  private clientPromise: Promise<OpenAI> | undefined
  /** The HTTP failure of the request in flight: the SDK wraps what fetch throws, and may drop it on a timeout. */
  private failure: AppError | undefined

  constructor(private readonly opts: OpenAICompatOptions) {
    const label = `The server at ${hostOf(opts.baseUrl)}`
    super(label, opts)
    this.label = label
    this.capabilities = { isLocal: false, hasNativeToolCalls: true, maxContextTokens: opts.maxContextTokens ?? 8192, isStreaming: true, hasSchemaOutput: true }
  }

  async isSupported(): Promise<Support> {
    if (!this.opts.baseUrl)
      return { isSupported: false, reason: 'Set the server address in Settings.' }
    if (!this.isOnline())
      return { isSupported: false, reason: 'You are offline.' }
    return { isSupported: true }
  }

  /** Remembers the model name; the server loads it on the first request. @throws AppError 'offline' */
  async initialize(model: ModelRef): Promise<void> {
    this.state = { state: 'ready', model }
  }

  /**
   * The model names the server reports (`GET /v1/models`), in its order: llama.cpp's servers list the loaded file or
   * its alias, Ollama and LM Studio their installed models.
   * @throws AppError 'offline' | 'service_unavailable' | 'request_rejected' | 'bad_response' (with the server's host)
   */
  async listModels(signal?: AbortSignal): Promise<string[]> {
    assertOnline(this.isOnline, this.label)
    this.failure = undefined
    try {
      const client = await this.client()
      const ids: string[] = []
      for await (const m of client.models.list({ signal }))
        if (typeof m?.id === 'string' && m.id)
          ids.push(m.id)
      return ids
    }
    catch (err) {
      throw this.classify(err, signal)
    }
  }

  /** The SDK is loaded on first use: users who never pick this backend never download it. */
  private client(): Promise<OpenAI> {
    this.clientPromise ??= import('openai').then(({ default: OpenAI }) => new OpenAI({
      apiKey: this.opts.apiKey || 'no-key',
      baseURL: `${this.opts.baseUrl.replace(/\/+$/, '')}/v1`,
      dangerouslyAllowBrowser: true, // the key is the person's own, typed into this page for their own server
      maxRetries: 0,
      logLevel: 'off', // the SDK would log unparsable chunks verbatim
      fetch: (input, init) => this.fetch(input, init),
    }))
    return this.clientPromise
  }

  protected async* stream(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    this.failure = undefined
    try {
      yield* this.streamOnce(model, req, signal)
    }
    catch (err) {
      throw this.classify(err, signal)
    }
  }

  private async* streamOnce(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    const started = performance.now()
    const client = await this.client()
    const request = linkedAbort(signal)
    const idleMs = this.opts.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS
    try {
      const stream = await client.chat.completions.create(bodyOf(model, req), { signal: request.signal }) as unknown as AsyncIterable<StreamEvent | null>
      const reply = new CloudReply()
      let finish: string | undefined
      let usage: StreamEvent['usage']
      let timings: StreamEvent['timings']
      try {
        for await (const event of idleTimeout(stream, idleMs, request.abort)) {
          usage = event?.usage ?? usage
          timings = event?.timings ?? timings
          // Several choices (n > 1) may interleave; the answer is choice 0, whichever position it has.
          const choice = event?.choices?.find(c => (c?.index ?? 0) === 0)
          finish = choice?.finish_reason ?? finish
          const delta = choice?.delta ?? choice?.message
          mergeToolCalls(reply.calls, delta?.tool_calls)
          reply.addReasoning(stringOr(delta?.reasoning_content) || stringOr(delta?.reasoning))
          const answer = reply.push(stringOr(delta?.content) || stringOr(choice?.text))
          if (answer)
            yield { type: 'delta', text: answer }
        }
      }
      catch (err) {
        // A stall or a broken connection after the answer began keeps the text so far with a notice; before it, or
        // when the stream had finished, the failure is the turn's (and retried when transient).
        reply.broke(err, signal, finish)
      }
      // The SDK ends its stream quietly when the request is aborted; a cancel must stay a cancel.
      if (signal?.aborted)
        throw new AppError('aborted')
      const tail = reply.flush()
      if (tail)
        yield { type: 'delta', text: tail }
      // The stream ended with [DONE] and nothing cut it: a server that omits finish_reason has still finished.
      const reason: FinishReason = reply.brokenReason ?? fromOpenAIFinish(finish) ?? (reply.calls.length ? 'tool_calls' : 'stop')
      const metrics = cloudMetrics('openai-compat', started, reply.firstTokenAt, usage?.prompt_tokens, usage?.completion_tokens, timings)
      yield reply.done({ reason, service: this.label, rawReason: reply.cutDetail ?? finish, idleTimeoutMs: idleMs, metrics })
    }
    finally {
      request.release()
    }
  }

  /** The SDK's fetch: no telemetry headers, no empty bearer, failures as ServiceErrors before the SDK sees them. */
  private async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers)
    for (const name of [...headers.keys()]) {
      if (name.startsWith('x-stainless'))
        headers.delete(name)
    }
    if (!this.opts.apiKey)
      headers.delete('authorization')
    let res: Response
    try {
      res = await fetch(input, { ...init, headers })
    }
    catch (err) {
      throw (this.failure = networkError(this.label, err, init?.signal ?? undefined))
    }
    if (!res.ok || !res.body) {
      const body = await res.text()
      throw (this.failure = contextRefusal(this.label, body) ?? httpError(this.label, res.status, body, res.headers.get('retry-after'), [this.opts.apiKey]))
    }
    return res
  }

  /** Any failure as an AppError: ours (possibly wrapped by the SDK), an in-stream error, a cut, an unreadable chunk. */
  private classify(err: unknown, signal?: AbortSignal): AppError {
    if (signal?.aborted)
      return new AppError('aborted')
    if (err instanceof AppError)
      return err
    if (this.failure)
      return this.failure
    const e = err as { name?: string, message?: string, status?: number, error?: { code?: unknown, message?: string } }
    if (e?.name === 'AbortError' || e?.name === 'APIUserAbortError')
      return new AppError('aborted')
    // llama-server and vLLM report failures inside the stream as `data: {"error":{...}}`; the SDK throws it as APIError.
    if (e?.error && typeof e.error === 'object' && e.status === undefined) {
      const status = typeof e.error.code === 'number' ? e.error.code : 500
      return httpError(this.label, status, JSON.stringify({ error: e.error }), null, [this.opts.apiKey])
    }
    if (err instanceof SyntaxError)
      return new ServiceError('bad_response', `${this.label} sent malformed JSON in its stream.`, 200)
    return networkError(this.label, new Error(redact(e?.message ?? String(err), [this.opts.apiKey])), signal)
  }
}

/**
 * A server's refusal of a prompt longer than its context, as `context_exceeded` with the numbers (details
 * `promptTokens`, `nCtx`), so the turn is fitted to that context (context-fit.ts). llama-server sends
 * `{"error":{"type":"exceed_context_size_error","n_prompt_tokens":N,"n_ctx":C}}`; llama-cpp-python, vLLM and OpenAI
 * "This model's maximum context length is C tokens. However, you requested N tokens (P in the messages, …)".
 * Undefined for any other failure.
 */
export function contextRefusal(label: string, body: string): AppError | undefined {
  let error: { message?: unknown, n_prompt_tokens?: unknown, n_ctx?: unknown } | undefined
  try {
    error = (JSON.parse(body) as { error?: typeof error }).error
  }
  catch {
    error = { message: body }
  }
  const message = typeof error?.message === 'string' ? error.message : ''
  let promptTokens = typeof error?.n_prompt_tokens === 'number' ? error.n_prompt_tokens : undefined
  let nCtx = typeof error?.n_ctx === 'number' ? error.n_ctx : undefined
  const openai = /maximum context length is (\d+) tokens\. However, you requested (\d+) tokens(?: \((\d+) in the messages)?/.exec(message)
  if (openai) {
    nCtx = Number(openai[1])
    promptTokens = Number(openai[3] ?? openai[2])
  }
  if (promptTokens === undefined || nCtx === undefined)
    return undefined
  return new AppError('context_exceeded', `${label} refused the conversation: it needs ${promptTokens} tokens and the server's context holds ${nCtx}. `
    + 'Shorten the message, start a new chat, or start the server with a larger context.', { details: { promptTokens, nCtx } })
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The request body: backend-private fields (a Gemini signature) and reasoning are left out of the history. */
function bodyOf(model: ModelRef, req: ChatRequest): OpenAI.Chat.ChatCompletionCreateParamsStreaming {
  return {
    model: model.id,
    messages: req.messages.map(toWireMessage) as OpenAI.Chat.ChatCompletionMessageParam[],
    stream: true,
    stream_options: { include_usage: true },
    ...(req.sampling?.temperature !== undefined && { temperature: req.sampling.temperature }),
    ...(req.sampling?.maxTokens !== undefined && { max_tokens: req.sampling.maxTokens }),
    ...(req.sampling?.topP !== undefined && { top_p: req.sampling.topP }),
    ...(req.sampling?.seed !== undefined && { seed: req.sampling.seed }),
    ...(req.tools?.length && { tools: req.tools }),
    ...(req.responseSchema && { response_format: { type: 'json_schema', json_schema: { name: 'step', schema: req.responseSchema, strict: true } } }),
  }
}

function toWireMessage(m: ChatRequest['messages'][number]) {
  const content = m.role === 'assistant' ? stripReasoning(m.content) : m.content
  if (!m.tool_calls)
    return { ...m, content }
  return { ...m, content, tool_calls: m.tool_calls.map(({ id, type, function: fn }) => ({ id, type, function: fn })) }
}
