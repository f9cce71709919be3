/**
 * The local engines (wllama, WebLLM) in the inference worker, behind the AIService contract every backend shares,
 * so the UI and the agent never know which side they talk to (as web-llm's WebWorkerMLCEngine mirrors MLCEngine).
 */
import { filesOf, getStoredModel, touchStoredModel } from '../../models/manifest'
import { AppError, toAppError } from '../../shared/errors'
import type { LoadedModel, LoadRequest } from '../../contract/messages'
import type { InferenceConnection } from './inference-connection'
import { replyNotice } from '../../contract/reply-notice'
import type { AIService, Capabilities, ChatChunk, ChatRequest, ChatSummary, ModelRef, Progress, ServiceStatus, Support } from '../../contract/types'

export type LocalServiceId = 'wllama' | 'webllm'

/** Load settings a caller may pass through to the worker. */
export type LoadOptions = Omit<LoadRequest, 'model' | 'fileName' | 'engine'>

export class WorkerService implements AIService {
  readonly capabilities: Capabilities
  private state: ServiceStatus = { state: 'idle' }
  private loaded: LoadedModel | null = null
  private running = 0

  constructor(
    readonly id: LocalServiceId,
    private readonly connection: InferenceConnection,
    private readonly loadOptions: () => LoadOptions = () => ({}),
  ) {
    // Tools go through a JSON Schema step that llama.cpp compiles to a grammar (the agent's `schema` strategy):
    // native tool calls need a jinja template with tool support, which wllama does not report. WebLLM uses the
    // tolerant text parser until its schema output is wired and tested. The context is known once a model is loaded.
    this.capabilities = { isLocal: true, hasNativeToolCalls: false, maxContextTokens: 0, isStreaming: true, hasSchemaOutput: id === 'wllama' }
  }

  async isSupported(): Promise<Support> {
    try {
      const env = await this.connection.env()
      if (this.id === 'webllm' && !env.gpu.hasAdapter)
        return { isSupported: false, reason: env.gpu.reason ?? 'WebLLM needs WebGPU, which this browser does not offer.' }
      return { isSupported: true }
    }
    catch (err) {
      return { isSupported: false, reason: toAppError(err).message }
    }
  }

  /** @throws AppError 'model_not_found' (not downloaded) | 'load_failed' | 'out_of_memory' | 'unsupported_device' | 'aborted' */
  async initialize(model: ModelRef, opts: { signal?: AbortSignal, onProgress?: (p: Progress) => void } = {}): Promise<void> {
    this.state = { state: 'loading', model }
    this.loaded = null
    this.capabilities.maxContextTokens = 0
    this.capabilities.hasNativeToolCalls = false
    try {
      const stored = this.id === 'wllama' ? await storedFiles(model) : { fileName: '', hasToolSupport: false }
      const { hasToolSupport, ...files } = stored
      const options = this.loadOptions()
      const loaded = await this.connection.load({ ...options, engine: this.id, model, ...files }, opts)
      // Native tool calls when the model's own chat template handles tools (a template set in Settings replaces it).
      this.capabilities.hasNativeToolCalls = hasToolSupport && !options.chatTemplate
      // When it was last used (for the least-recently-used suggestion): awaited so it cannot race a later write of the
      // entry, but not worth failing a load that worked.
      if (this.id === 'wllama')
        await touchStoredModel(model.id).catch((err: unknown) => console.warn('Could not record when the model was used', err))
      this.loaded = loaded
      this.capabilities.maxContextTokens = loaded.nCtx
      this.state = { state: 'ready', model }
    }
    catch (err) {
      const e = toAppError(err, 'load_failed')
      this.state = { state: 'error', model, errorCode: e.code }
      throw e
    }
  }

  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    const model = this.state.model
    if (!model || (this.state.state !== 'ready' && this.state.state !== 'busy'))
      throw new AppError('model_not_loaded')
    this.state = { state: 'busy', model }
    this.running++
    try {
      for await (const chunk of this.connection.chat({ ...req, modelId: model.id }, opts)) {
        if (chunk.type === 'done')
          this.noteThreads(chunk.summary.metrics.threads)
        yield chunk.type === 'done' ? { type: 'done', summary: withNotice(chunk.summary) } : chunk
      }
    }
    finally {
      // Back to ready only if nothing else changed the state (a dispose or a new load) and no other chat runs.
      if (--this.running === 0 && this.state.state === 'busy' && this.state.model === model)
        this.state = { state: 'ready', model }
    }
  }

  /**
   * The engine settled a big model's thread count during the session (thread-probe.ts: a count clearly slower than
   * the best is dropped after one chat, and the model is loaded again at the best count): the reply ran on another
   * count than the load's, so how the model runs now is a measured choice at that count.
   */
  private noteThreads(threads: number): void {
    if (this.loaded && threads !== this.loaded.threads)
      this.loaded = { ...this.loaded, threads, threadSource: 'measured' }
  }

  /** How the model was loaded (threads, backend, notes), or null. */
  get loadedModel(): LoadedModel | null {
    return this.loaded
  }

  status(): ServiceStatus {
    return { ...this.state }
  }

  async dispose(): Promise<void> {
    this.state = { state: 'idle' }
    this.loaded = null
    await this.connection.unload()
  }
}

/**
 * The stored model's OPFS files in load order and their verified sizes (the engine checks them before every load),
 * and whether its chat template handles tools.
 */
async function storedFiles(model: ModelRef): Promise<Pick<LoadRequest, 'fileName' | 'fileNames' | 'fileSizes'> & { hasToolSupport: boolean }> {
  const stored = await getStoredModel(model.id)
  if (stored?.state !== 'ready')
    throw new AppError('model_not_found', `"${model.file}" is not downloaded in this browser yet. Download it first.`)
  const files = filesOf(stored)
  const hasToolSupport = !!stored.facts?.hasToolSupport
  if (files.length === 1)
    return { fileName: stored.fileName, fileSizes: [files[0]!.sizeBytes], hasToolSupport }
  return { fileName: files[0]!.fileName, fileNames: files.map(f => f.fileName), fileSizes: files.map(f => f.sizeBytes), hasToolSupport }
}

/**
 * A local reply that did not end by itself (finish reason `length`: "Longest answer" or the context ran out) carries
 * the same notice a cloud reply does (contract/reply-notice.ts), so it is never cut silently. A normal stop is left
 * to the chat, which already says when it wrote nothing; a text-continuation model's reply always runs to the limit.
 */
function withNotice(summary: ChatSummary): ChatSummary {
  // A text-continuation model (no chat template) writes until the limit by design: no notice on every reply.
  if (summary.notice || summary.finishReason === 'stop' || summary.mode === 'completion')
    return summary
  const notice = replyNotice({ finishReason: summary.finishReason, text: summary.text, reasoning: summary.reasoning, toolCallCount: summary.toolCalls?.length ?? 0, service: 'The model on this device' })
  return notice ? { ...summary, notice } : summary
}
