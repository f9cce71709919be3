/**
 * MLC models on WebGPU through web-llm, inside the inference worker, behind the same {@link WorkerEngine} contract
 * as wllama. The model is chosen by its MLC model id (`LoadRequest.model.id`, e.g. `Llama-3.2-1B-Instruct-q4f32_1-MLC`)
 * and looked up in the app config's `model_list`; web-llm downloads and caches the weights itself, so
 * `LoadRequest.fileName`, `nThreads`, `nGpuLayers` and `chatTemplate` mean nothing here. The model runs with its
 * record's context size; a different `nCtx` only adds a note.
 *
 * web-llm is ~7 MB of JavaScript, so the default factory and config import it on first load: a worker that only ever
 * runs wllama never fetches it.
 */
import type {
  AppConfig,
  ChatCompletionChunk,
  ChatCompletionMessageParam,
  InitProgressReport,
  MLCEngineInterface,
  ModelRecord,
} from '@mlc-ai/web-llm'
import { AppError, toAppError } from '../../../shared/errors'
import type { LoadedModel, LoadRequest } from '../../../contract/messages'
import type { ChatRequest, ChatSummary, Progress, RequestMetrics, SamplingSettings } from '../../../contract/types'
import { ALL_LAYERS } from '../../../models/load-plan'
import { samplingParams } from '../../../contract/prompt'
import { measuredRate } from '../../../contract/speed'
import type { ChatRun, WorkerEngine } from '../worker-engine'
import { checkModelSupported, probeWebGpu, type GpuProbe } from './variants'

/** Context size when the model record does not override it, in tokens (web-llm's usual `context_window_size`). */
export const DEFAULT_CONTEXT_TOKENS = 4096

/** Builds a loaded web-llm engine; web-llm's `CreateMLCEngine` by default. */
export type CreateEngine = (
  modelId: string,
  opts: { appConfig?: AppConfig, initProgressCallback: (report: InitProgressReport) => void },
) => Promise<MLCEngineInterface>

export interface WebLlmEngineOptions {
  /** Default: web-llm's `CreateMLCEngine`, imported on first use. */
  createEngine?: CreateEngine
  /** Default: {@link probeWebGpu} on this worker's `navigator.gpu`. */
  probe?: () => Promise<GpuProbe>
  /** Models that can be loaded. Default: web-llm's `prebuiltAppConfig`, imported on first use. */
  appConfig?: AppConfig
}

export interface WebLlmLoadOptions {
  /** Called as web-llm fetches and initializes the model; see {@link toProgress} for the units. */
  onProgress?: (p: Progress) => void
}

const defaultCreateEngine: CreateEngine = async (modelId, opts) =>
  (await import('@mlc-ai/web-llm')).CreateMLCEngine(modelId, opts)

interface StreamState {
  text: string
  /** `performance.now()` at the first non-empty delta; 0 before it. */
  firstTokenAt: number
  finishReason: ChatCompletionChunk.Choice['finish_reason']
  usage?: ChatCompletionChunk['usage']
}

export class WebLlmEngine implements WorkerEngine {
  private readonly createEngine: CreateEngine
  private readonly probe: () => Promise<GpuProbe>
  private appConfig: AppConfig | undefined
  private engine: MLCEngineInterface | null = null
  private loaded: LoadedModel | null = null

  constructor(opts: WebLlmEngineOptions = {}) {
    this.createEngine = opts.createEngine ?? defaultCreateEngine
    this.probe = opts.probe ?? (() => probeWebGpu())
    this.appConfig = opts.appConfig
  }

  get model(): LoadedModel | null {
    return this.loaded
  }

  /**
   * Loads the MLC model whose id is `req.model.id`. The device is checked before web-llm is called, so an
   * unsupported model never starts a download.
   * @throws AppError 'model_not_found' | 'unsupported_device' | 'out_of_memory' | 'load_failed'
   */
  async load(req: LoadRequest, opts: WebLlmLoadOptions = {}): Promise<LoadedModel> {
    await this.unload()
    const appConfig = this.appConfig ??= (await import('@mlc-ai/web-llm')).prebuiltAppConfig
    const record = appConfig.model_list.find(m => m.model_id === req.model.id)
    if (!record)
      throw new AppError('model_not_found', `WebLLM has no model "${req.model.id}". Pick one from the WebLLM model list.`)
    const verdict = checkModelSupported(record, await this.probe(), appConfig.model_list)
    if (!verdict.ok)
      throw new AppError(verdict.code, verdict.message)
    const started = performance.now()
    const initProgressCallback = (report: InitProgressReport) => opts.onProgress?.(toProgress(report))
    try {
      this.engine = await this.createEngine(record.model_id, { appConfig, initProgressCallback })
    }
    catch (err) {
      throw classifyLoadError(err)
    }
    this.loaded = loadedModelOf(req, record, performance.now() - started)
    return this.loaded
  }

  /**
   * Streams one chat completion; prompts always go through the model's chat template (`mode: 'chat'`).
   * @throws AppError 'model_not_loaded' | 'aborted' | 'inference_failed'
   */
  async chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    const engine = this.engine
    const loaded = this.loaded
    if (!engine || !loaded)
      throw new AppError('model_not_loaded')
    if (run.signal.aborted)
      throw new AppError('aborted')
    const started = performance.now()
    const interrupt = () => void engine.interruptGenerate()
    run.signal.addEventListener('abort', interrupt, { once: true })
    const state: StreamState = { text: '', firstTokenAt: 0, finishReason: null }
    try {
      const stream = await engine.chat.completions.create({
        ...generationParams(req.sampling),
        messages: req.messages.map(toMlcMessage),
        stream: true,
        stream_options: { include_usage: true },
      })
      for await (const chunk of stream)
        readChunk(chunk, state, run, interrupt)
    }
    catch (err) {
      throw run.signal.aborted ? new AppError('aborted', undefined, { cause: err }) : toAppError(err, 'inference_failed')
    }
    finally {
      run.signal.removeEventListener('abort', interrupt)
    }
    if (run.signal.aborted || state.finishReason === 'abort')
      throw new AppError('aborted')
    return {
      text: state.text,
      finishReason: state.finishReason === 'length' ? 'length' : 'stop',
      mode: 'chat',
      metrics: metricsOf(state, run.queueWaitMs, started),
    }
  }

  async unload(): Promise<void> {
    const engine = this.engine
    this.engine = null
    this.loaded = null
    await engine?.unload()
  }
}

function readChunk(chunk: ChatCompletionChunk, state: StreamState, run: ChatRun, interrupt: () => void): void {
  const choice = chunk.choices[0]
  const delta = choice?.delta.content ?? ''
  if (run.signal.aborted) {
    // web-llm clears its interrupt flag when a generation starts, so an abort during prefill is lost: a token after
    // the abort means the generation still runs, and it is interrupted again.
    if (delta)
      interrupt()
  }
  else if (delta) {
    state.firstTokenAt ||= performance.now()
    state.text += delta
    run.onDelta(delta)
  }
  if (choice?.finish_reason)
    state.finishReason = choice.finish_reason
  if (chunk.usage)
    state.usage = chunk.usage
}

/**
 * web-llm's `InitProgressReport` as a {@link Progress}. web-llm reports a 0..1 fraction, not bytes, so
 * `loadedBytes`/`totalBytes` are an approximation in thousandths: `totalBytes` is always 1000 and `loadedBytes` is
 * `round(progress * 1000)`. Only their ratio is meaningful; `bytesPerSecond` is 0 (unknown).
 */
export function toProgress(report: InitProgressReport): Progress {
  const fraction = Math.min(1, Math.max(0, Number.isFinite(report.progress) ? report.progress : 0))
  return { phase: 'load', loadedBytes: Math.round(fraction * 1000), totalBytes: 1000, bytesPerSecond: 0 }
}

/**
 * Sampling settings in web-llm's OpenAI names, with the same defaults as wllama. web-llm has no `top_k`, so
 * `topK` is ignored.
 */
export function generationParams(s?: SamplingSettings) {
  const p = samplingParams(s)
  return {
    temperature: p.temperature,
    max_tokens: p.max_tokens,
    ...(p.top_p !== undefined && { top_p: p.top_p }),
    ...(p.seed !== undefined && { seed: p.seed }),
  }
}

function toMlcMessage(m: ChatRequest['messages'][number]): ChatCompletionMessageParam {
  // web-llm requires a tool_call_id on tool messages; until the agent brings native tool calls, results are user text.
  if (m.role === 'tool')
    return { role: 'user', content: m.content }
  return { role: m.role, content: m.content }
}

function loadedModelOf(req: LoadRequest, record: ModelRecord, loadMs: number): LoadedModel {
  const nCtx = record.overrides?.context_window_size ?? DEFAULT_CONTEXT_TOKENS
  const notes = req.nCtx !== undefined && req.nCtx !== nCtx
    ? [`WebLLM runs this model with its own context of ${nCtx} tokens; the context size setting applies to GGUF models.`]
    : []
  return {
    model: req.model,
    hasChatTemplate: true,
    nCtx,
    nCtxTrain: nCtx,
    // No CPU threads run the model; 'single' is the closest ThreadSource (the union has no "not applicable").
    threads: 0,
    threadSource: 'single',
    isMultithread: false,
    // The whole model runs on WebGPU; web-llm has no partial offload.
    backend: 'webgpu',
    gpuLayers: ALL_LAYERS,
    notes,
    // web-llm's record states the GPU memory the model needs, in MB.
    estimatedMemoryBytes: (record.vram_required_MB ?? 0) * 2 ** 20,
    loadMs,
  }
}

/** web-llm's own errors, by name, that mean the device cannot run the model at all. */
const UNSUPPORTED_DEVICE_ERRORS = ['ShaderF16SupportError', 'FeatureSupportError', 'WebGPUNotAvailableError', 'WebGPUNotFoundError']

function classifyLoadError(err: unknown): AppError {
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof Error && UNSUPPORTED_DEVICE_ERRORS.includes(err.name))
    return new AppError('unsupported_device', message, { cause: err })
  // web-llm's DeviceLostError: "The WebGPU device was lost while loading the model. This issue often occurs due to OOM".
  if (/memory|\bOOM\b|device (?:was )?lost/i.test(message))
    return new AppError('out_of_memory', `Loading ran out of GPU memory: ${message}`, { cause: err })
  return new AppError('load_failed', `The model could not be loaded: ${message}`, { cause: err })
}

function metricsOf(state: StreamState, queueWaitMs: number, started: number): RequestMetrics {
  const usage = state.usage
  return {
    engine: 'webllm',
    threads: 0,
    queueWaitMs,
    timeToFirstTokenMs: state.firstTokenAt ? state.firstTokenAt - started : 0,
    promptTokens: usage?.prompt_tokens ?? 0,
    // web-llm counts only the new part of a multi-turn prompt in prompt_tokens and does not report the reused part.
    cachedTokens: 0,
    completionTokens: usage?.completion_tokens ?? 0,
    prefillTokensPerSecond: measuredRate(usage?.extra?.prefill_tokens_per_s, usage?.prompt_tokens),
    decodeTokensPerSecond: measuredRate(usage?.extra?.decode_tokens_per_s, usage?.completion_tokens),
    totalMs: performance.now() - started,
  }
}
