/**
 * ModelManager: the one place that knows which backend answers. A framework-free core (the Pinia store in
 * src/stores/manager.ts is a thin shell over it) with a status state machine the UI renders through events:
 *
 *   idle -> downloading -> loading -> ready <-> generating
 *     \___________________\__________\___________\-> error (-> loading again on the next select)
 *
 * The conversation belongs to the caller and is passed to every turn, so switching backend or model mid-conversation
 * keeps all of it, tool steps included. When a local turn fails (load error, out of memory, crash, unsupported
 * device) and fallback is on with a key, the same turn is run again on Gemini and a `fallback` event says so.
 * When the agent loop cannot finish (step limit, repeated call, invalid calls), the same message is answered without
 * tools from the same history; the loop's steps stay on the result and `recoveredWithoutTools` says why.
 */
import type { Tool } from '../agent/tools/tool'
import { AppError, toAppError, type ErrorCode } from '../shared/errors'
import { browserIsOnline, cloudModel } from '../services/cloud/cloud-common'
import { GeminiService } from '../services/gemini/gemini-service'
import type { ManagerConfig } from './manager-config'
import { OpenAICompatService } from '../services/openai-compat/openai-compat-service'
import type { RetryInfo } from '../services/cloud/retry'
import type { AIService, ChatMessage, ModelRef, Progress, ServiceId } from '../contract/types'
import { DEFAULT_TOKENS_PER_CHAR, TOOL_PROMPT_TOKENS, estimateTokens, runWithinContext, type ContextState } from './context-fit'
import { DEFAULT_MAX_TOKENS } from '../contract/prompt'
import { summarise, withSummary } from './history-summary'
import { runRecoveredTurn, type RecoveredTurn, type TurnRequest, type TurnResult } from './turn-runner'

export type { TurnOutcomeAfterRecovery, TurnRequest, TurnResult } from './turn-runner'

export type ManagerStatus = 'idle' | 'downloading' | 'loading' | 'ready' | 'generating' | 'error'

/** What the UI hears. */
export type ManagerEvent =
  | { type: 'status', status: ManagerStatus, serviceId: ServiceId | null, model?: ModelRef, error?: AppError }
  | { type: 'progress', progress: Progress }
  /** A local failure was handed to Gemini; the UI shows a notice with `reason`. */
  | { type: 'fallback', from: ServiceId, to: 'gemini', reason: AppError }
  /** A cloud request failed transiently and is retried after `delayMs`. */
  | { type: 'retry', serviceId: ServiceId, info: RetryInfo }

/** Local failures worth handing to Gemini. Aborts and bad input are not. */
export const FALLBACK_CODES: readonly ErrorCode[] = ['load_failed', 'out_of_memory', 'worker_crashed', 'unsupported_device', 'inference_failed', 'model_not_loaded']

export interface ManagerOptions {
  /** The local services (WorkerService for wllama and WebLLM); cloud services are built from the config. */
  local: Partial<Record<'wllama' | 'webllm', AIService>>
  config: () => ManagerConfig
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
  /** Default: the built-in tools. */
  tools?: () => Tool[]
  /**
   * Tools from MCP servers for a turn that offers tools, the person's switches already applied; they join the
   * built-in ones and their arguments are validated without code generation (agent/tools/mcp/schema.ts). Must not
   * throw: a server that cannot be reached is left out, and the caller tells the person.
   */
  extraTools?: (signal?: AbortSignal) => Promise<Tool[]>
  /** Builds a cloud service; tests and the app use the default. */
  createCloud?: typeof createCloudService
}

type Listener = (event: ManagerEvent) => void

export class ModelManager {
  private statusValue: ManagerStatus = 'idle'
  private currentId: ServiceId | null = null
  private currentModel: ModelRef | undefined
  private readonly cloud = new Map<string, AIService>()
  private readonly listeners = new Set<Listener>()
  private readonly isOnline: () => boolean
  /** Tokens per character for local models, corrected by the engine's counts (context-fit.ts). */
  private readonly context: ContextState = { tokensPerChar: DEFAULT_TOKENS_PER_CHAR }
  /** Context sizes cloud services named when they refused a prompt, by backend and model, in tokens. */
  private readonly cloudContext = new Map<string, number>()

  constructor(private readonly opts: ManagerOptions) {
    this.isOnline = opts.isOnline ?? browserIsOnline
  }

  get status(): ManagerStatus {
    return this.statusValue
  }

  get serviceId(): ServiceId | null {
    return this.currentId
  }

  get model(): ModelRef | undefined {
    return this.currentModel
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Makes `serviceId` with `model` answer the next turns (a ModelRef for local models, a model name for cloud ones).
   * The conversation is untouched. @throws AppError from the service's initialize ('load_failed', 'missing_api_key'...)
   */
  async select(serviceId: ServiceId, model: ModelRef | string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const ref = typeof model === 'string' ? cloudModel(model) : model
    this.currentId = serviceId
    this.currentModel = ref
    const service = this.service(serviceId)
    const now = service.status()
    // Already loaded (the library loaded it): selecting it again must not reload a multi-GB model.
    if (now.model?.id === ref.id && (now.state === 'ready' || now.state === 'busy')) {
      this.setStatus('ready')
      return
    }
    this.setStatus(service.capabilities.isLocal ? 'loading' : 'ready')
    try {
      await service.initialize(ref, { signal: opts.signal, onProgress: p => this.onProgress(p) })
      this.setStatus('ready')
    }
    catch (err) {
      const e = toAppError(err, 'load_failed')
      this.setStatus(e.code === 'aborted' ? 'idle' : 'error', e)
      throw e
    }
  }

  /**
   * Runs one agent turn on the selected backend, falling back to Gemini when allowed.
   * @throws AppError 'model_not_loaded' when nothing is selected; the backend's error when there is no fallback.
   */
  async runTurn(req: TurnRequest): Promise<TurnResult> {
    const id = this.currentId
    const model = this.currentModel
    if (!id || !model)
      throw new AppError('model_not_loaded')
    const service = this.service(id)
    this.setStatus('generating')
    try {
      const turn = await this.withinContext(service, req)
      this.setStatus('ready')
      return { ...turn, backend: id, model, fellBack: false }
    }
    catch (err) {
      const e = toAppError(err, 'inference_failed')
      if (!this.canFallBack(service, e)) {
        this.setStatus('error', e)
        throw e
      }
      return this.fallBack(id, e, req)
    }
  }

  private async fallBack(from: ServiceId, reason: AppError, req: TurnRequest): Promise<TurnResult> {
    this.emit({ type: 'fallback', from, to: 'gemini', reason })
    const config = this.opts.config()
    const gemini = this.service('gemini')
    const model = cloudModel(config.geminiModel)
    try {
      await gemini.initialize(model)
      const turn = await this.agent(gemini, req)
      // The turn was answered, so the manager is ready; the local backend keeps the selection and the next turn
      // tries it again (a crashed worker restarts). Its own error stays on its status, the fallback event said why.
      this.setStatus('ready')
      return { ...turn, backend: 'gemini', model, fellBack: true }
    }
    catch (err) {
      const e = toAppError(err, 'service_unavailable')
      this.setStatus('error', e)
      throw e
    }
  }

  /**
   * A turn runs on the history fitted to the model's context (context-fit.ts): the oldest turns are left out, or
   * summarised when the person chose so, and the reply's notice says which. Local models' contexts are known; a cloud
   * model's is learnt from the first refusal that names it (until then everything is sent, as the service decides).
   * The conversation's earlier summary is always sent in place of the messages it replaced.
   */
  private withinContext(service: AIService, req: TurnRequest): Promise<RecoveredTurn> {
    const nCtx = service.capabilities.isLocal ? service.capabilities.maxContextTokens : (this.cloudContext.get(this.cloudKey(service)) ?? Infinity)
    if (!(nCtx > 0))
      return this.agent(service, { ...req, messages: withSummary(req.messages, req.historySummary) })
    const budget = { nCtx, answerTokens: req.sampling?.maxTokens ?? DEFAULT_MAX_TOKENS, toolTokens: req.useTools === false ? 0 : TOOL_PROMPT_TOKENS }
    const writeSummary = (prior: string | undefined, dropped: ChatMessage[], ctx: number) =>
      summarise(service, prior, dropped, { nCtx: ctx, state: this.context, estimate: estimateTokens, signal: req.signal })
    const onContextSize = service.capabilities.isLocal ? undefined : (n: number) => this.cloudContext.set(this.cloudKey(service), n)
    const fit = { policy: req.historyPolicy, summary: req.historySummary, summarise: writeSummary, onContextSize }
    return runWithinContext(req.messages, budget, this.context, messages => this.agent(service, { ...req, messages }), req.onAnswerReset, fit)
  }

  /** A cloud service's context is learnt per backend and model. */
  private cloudKey(service: AIService): string {
    return `${service.id}|${this.currentModel?.id ?? ''}`
  }

  private canFallBack(service: AIService, err: AppError): boolean {
    const config = this.opts.config()
    return service.capabilities.isLocal && config.isFallbackEnabled && !!config.geminiApiKey && this.isOnline() && FALLBACK_CODES.includes(err.code)
  }

  /** Runs the turn on `service` with the tools and config of the moment (turn-runner.ts). */
  private agent(service: AIService, req: TurnRequest): Promise<RecoveredTurn> {
    return runRecoveredTurn(service, req, { config: this.opts.config(), tools: this.opts.tools, extraTools: this.opts.extraTools })
  }

  /** The service for an id; cloud services are rebuilt when their settings change. */
  service(id: ServiceId): AIService {
    if (id === 'wllama' || id === 'webllm') {
      const local = this.opts.local[id]
      if (!local)
        throw new AppError('unsupported_device', `${id === 'wllama' ? 'wllama' : 'WebLLM'} is not available in this app.`)
      return local
    }
    const config = this.opts.config()
    const key = id === 'gemini'
      ? `${id}|${config.geminiApiKey}|${config.geminiBaseUrl}|${config.geminiKeyHost}|${config.streamIdleTimeoutMs}`
      : `${id}|${config.openaiBaseUrl}|${config.openaiApiKey}|${config.streamIdleTimeoutMs}`
    let service = this.cloud.get(key)
    if (!service) {
      for (const k of this.cloud.keys()) {
        if (k.startsWith(`${id}|`))
          this.cloud.delete(k)
      }
      const onRetry = (info: RetryInfo) => this.emit({ type: 'retry', serviceId: id, info })
      service = (this.opts.createCloud ?? createCloudService)(id, config, { onRetry, isOnline: this.isOnline })
      this.cloud.set(key, service)
    }
    return service
  }

  private onProgress(p: Progress): void {
    this.emit({ type: 'progress', progress: p })
    const status = p.phase === 'download' ? 'downloading' : 'loading'
    if (status !== this.statusValue)
      this.setStatus(status)
  }

  private setStatus(status: ManagerStatus, error?: AppError): void {
    this.statusValue = status
    this.emit({ type: 'status', status, serviceId: this.currentId, model: this.currentModel, ...(error && { error }) })
  }

  private emit(event: ManagerEvent): void {
    for (const listener of this.listeners)
      listener(event)
  }
}

/** The production cloud services, from the config. */
export function createCloudService(id: 'gemini' | 'openai-compat', config: ManagerConfig, hooks: { onRetry: (info: RetryInfo) => void, isOnline: () => boolean }): AIService {
  const idleTimeoutMs = config.streamIdleTimeoutMs
  if (id === 'gemini')
    return new GeminiService({ apiKey: config.geminiApiKey, baseUrl: config.geminiBaseUrl || undefined, confirmedKeyHost: config.geminiKeyHost || undefined, idleTimeoutMs, ...hooks })
  return new OpenAICompatService({ baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey || undefined, idleTimeoutMs, ...hooks })
}
