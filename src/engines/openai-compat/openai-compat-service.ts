/**
 * An OpenAI-compatible chat server (llama.cpp's llama-server, Ollama, vLLM, LM Studio) through plain fetch + SSE on
 * `/v1/chat/completions`. No SDK: the wire format is small and stable, and fetch runs unchanged in the page, the
 * worker and Node tests. Tool calls are native (`tools`), streamed as `tool_calls` deltas and reassembled here.
 */
import { AppError } from '../../protocol/errors'
import { cloudMetrics, networkError, parseEvent, sseData } from '../cloud-common'
import { CloudService } from '../cloud-service'
import { httpError, redact } from '../http-errors'
import type { RetryOptions, RetryPolicy } from '../retry'
import type { Capabilities, ChatChunk, ChatRequest, ModelRef, Support, ToolCall } from '../types'

const NAME = 'The OpenAI-compatible server'

export interface OpenAICompatOptions {
  /** Server root, e.g. `http://localhost:8080` (the `/v1/chat/completions` path is appended). */
  baseUrl: string
  /** Sent as `Authorization: Bearer`; many local servers need none. */
  apiKey?: string
  /** Context the server's model accepts, in tokens. Default 8192. */
  maxContextTokens?: number
  retry?: Partial<RetryPolicy>
  onRetry?: RetryOptions['onRetry']
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
}

interface Delta { content?: string | null, tool_calls?: Array<{ index: number, id?: string, function?: { name?: string, arguments?: string } }> }
interface StreamEvent {
  choices?: Array<{ delta?: Delta, finish_reason?: string | null }>
  usage?: { prompt_tokens?: number, completion_tokens?: number } | null
  /** llama-server and vLLM report failures inside the stream this way. */
  error?: { code?: number, message?: string }
}

export class OpenAICompatService extends CloudService {
  readonly id = 'openai-compat' as const
  readonly capabilities: Capabilities

  constructor(private readonly opts: OpenAICompatOptions) {
    super(NAME, opts)
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

  protected async* stream(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    const started = performance.now()
    const res = await this.post(model, req, signal)
    let text = ''
    let firstTokenAt = 0
    let finish: string | null | undefined
    let usage: StreamEvent['usage']
    const calls: ToolCall[] = []
    try {
      for await (const data of sseData(res.body!)) {
        if (data === '[DONE]')
          break
        const event = parseEvent<StreamEvent>(NAME, data)
        if (event.error)
          throw httpError(NAME, typeof event.error.code === 'number' ? event.error.code : 500, event.error.message ?? '', null, [this.opts.apiKey])
        usage = event.usage ?? usage
        const choice = event.choices?.[0]
        finish = choice?.finish_reason ?? finish
        mergeToolCalls(calls, choice?.delta?.tool_calls)
        const delta = choice?.delta?.content
        if (delta) {
          firstTokenAt ||= performance.now()
          text += delta
          yield { type: 'delta', text: delta }
        }
      }
    }
    catch (err) {
      throw networkError(NAME, err, signal)
    }
    if (!finish)
      throw new AppError('service_unavailable', `${NAME} closed the stream before the answer was complete.`)
    const metrics = cloudMetrics('openai-compat', started, firstTokenAt, usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0)
    yield { type: 'done', summary: { text, finishReason: finish === 'length' ? 'length' : 'stop', mode: 'chat', metrics, ...(calls.length && { toolCalls: calls }) } }
  }

  private async post(model: ModelRef, req: ChatRequest, signal?: AbortSignal): Promise<Response> {
    const body = {
      model: model.id,
      messages: req.messages.map(toWireMessage),
      stream: true,
      stream_options: { include_usage: true },
      temperature: req.sampling?.temperature,
      max_tokens: req.sampling?.maxTokens,
      top_p: req.sampling?.topP,
      seed: req.sampling?.seed,
      ...(req.tools?.length && { tools: req.tools }),
      ...(req.responseSchema && { response_format: { type: 'json_schema', json_schema: { name: 'step', schema: req.responseSchema, strict: true } } }),
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', 'accept': 'text/event-stream' }
    if (this.opts.apiKey)
      headers.authorization = `Bearer ${this.opts.apiKey}`
    let res: Response
    try {
      res = await fetch(`${this.opts.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body), signal })
    }
    catch (err) {
      throw networkError(NAME, err, signal)
    }
    if (!res.ok || !res.body)
      throw httpError(NAME, res.status, redact(await res.text(), [this.opts.apiKey]), res.headers.get('retry-after'), [this.opts.apiKey])
    return res
  }

}

/** Streams send a call's id and name once, then its arguments in fragments, keyed by `index`. */
function mergeToolCalls(calls: ToolCall[], deltas: Delta['tool_calls']): void {
  for (const d of deltas ?? []) {
    const call = calls[d.index] ??= { id: d.id ?? `call_${d.index}`, type: 'function', function: { name: '', arguments: '' } }
    if (d.id)
      call.id = d.id
    call.function.name += d.function?.name ?? ''
    call.function.arguments += d.function?.arguments ?? ''
  }
}

/** Messages as the OpenAI API takes them: backend-private fields (a Gemini signature) are left out. */
function toWireMessage(m: ChatRequest['messages'][number]) {
  if (!m.tool_calls)
    return m
  return { ...m, tool_calls: m.tool_calls.map(({ id, type, function: fn }) => ({ id, type, function: fn })) }
}
