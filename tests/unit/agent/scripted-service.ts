/** A scripted AIService for the agent tests: each request gets the next scripted reply; every request is recorded. */
import { AppError } from '../../../src/shared/errors'
import type { AIService, Capabilities, ChatChunk, ChatRequest, ModelRef, Progress, ReplyNotice, ServiceId, ServiceStatus, Support, ToolCall } from '../../../src/contract/types'

export interface ScriptedReply {
  text?: string
  calls?: Array<{ name: string, args: string }>
  /** Thrown instead of answering. */
  error?: AppError
  /** Wait for the signal to abort (a model that never finishes). */
  hang?: boolean
  /** The reply's notice (a reply cut at the length limit carries one). */
  notice?: ReplyNotice
}

export const METRICS = { engine: 'wllama', threads: 1, queueWaitMs: 0, timeToFirstTokenMs: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, prefillTokensPerSecond: 0, decodeTokensPerSecond: 0, totalMs: 0 } as const

export class ScriptedService implements AIService {
  readonly requests: ChatRequest[] = []
  readonly script: ScriptedReply[] = []
  /** Answers when the script is empty (a model that calls tools forever, say). */
  fallback?: (req: ChatRequest) => ScriptedReply
  readonly capabilities: Capabilities
  private model?: ModelRef

  constructor(readonly id: ServiceId = 'wllama', caps: Partial<Capabilities> = {}) {
    this.capabilities = { isLocal: true, hasNativeToolCalls: true, maxContextTokens: 4096, ...caps }
  }

  async isSupported(): Promise<Support> {
    return { isSupported: true }
  }

  async initialize(model: ModelRef, _opts?: { signal?: AbortSignal, onProgress?: (p: Progress) => void }): Promise<void> {
    this.model = model
  }

  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    this.requests.push(structuredClone(req))
    if (opts.signal?.aborted)
      throw new AppError('aborted')
    const reply = this.script.shift() ?? this.fallback?.(req) ?? { text: 'no script left' }
    if (reply.hang) {
      await new Promise((_, reject) => opts.signal?.addEventListener('abort', () => reject(new AppError('aborted')), { once: true }))
    }
    if (reply.error)
      throw reply.error
    const text = reply.text ?? ''
    if (text)
      yield { type: 'delta', text }
    const toolCalls: ToolCall[] | undefined = reply.calls?.map((c, i) => ({ id: `native_${i}`, type: 'function', function: { name: c.name, arguments: c.args } }))
    yield { type: 'done', summary: { text, finishReason: reply.notice ? reply.notice.code as 'length' : 'stop', mode: 'chat', metrics: { ...METRICS, engine: this.id }, ...(toolCalls && { toolCalls }), ...(reply.notice && { notice: reply.notice }) } }
  }

  status(): ServiceStatus {
    return { state: this.model ? 'ready' : 'idle', model: this.model }
  }

  async dispose(): Promise<void> {}
}
