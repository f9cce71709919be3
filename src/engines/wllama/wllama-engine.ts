/**
 * llama.cpp in WebAssembly through wllama, inside the inference worker. The GGUF is read straight from its OPFS
 * file (a disk-backed File), so there is no second copy in memory or in wllama's own cache.
 */
import { LoggerWithoutDebug, Wllama, type LoadModelParams } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import { AppError, toAppError } from '../../protocol/errors'
import type { LoadedModel, LoadRequest } from '../../protocol/messages'
import { openModelFile } from '../../models/opfs-store'
import type { ChatRequest, ChatSummary, FinishReason, RequestMetrics } from '../types'
import type { ChatRun, WorkerEngine } from '../worker-engine'
import { completionPrompt, resolveMode, samplingParams } from './prompt'

export const DEFAULT_N_CTX = 2048

interface StreamChunk {
  choices: Array<{ text?: string, delta?: { content?: string | null }, finish_reason: string | null }>
  usage?: { prompt_tokens: number, completion_tokens: number, prompt_tokens_details?: { cached_tokens: number } } | null
  timings?: { cache_n: number, prompt_n: number, prompt_ms: number, predicted_n: number, predicted_ms: number }
}

export class WllamaEngine implements WorkerEngine {
  private wllama: Wllama | null = null
  private loaded: LoadedModel | null = null

  get model(): LoadedModel | null {
    return this.loaded
  }

  async load(req: LoadRequest): Promise<LoadedModel> {
    await this.unload()
    const started = performance.now()
    const file = await openModelFile(req.fileName)
    const wllama = new Wllama({ default: wasmUrl }, { suppressNativeLog: true, logger: LoggerWithoutDebug })
    // No compat build from a CDN: this app never fetches code from third parties.
    wllama.setCompat(null)
    try {
      await wllama.loadModel([file], await loadParams(req))
    }
    catch (err) {
      await wllama.exit().catch(() => undefined) // the load error is the one to report
      throw classifyLoadError(err)
    }
    this.wllama = wllama
    this.loaded = {
      model: req.model,
      hasChatTemplate: !!wllama.getChatTemplate(),
      nCtx: wllama.getLoadedContextInfo().n_ctx,
      nCtxTrain: wllama.getLoadedContextInfo().n_ctx_train,
      threads: wllama.getNumThreads(),
      isMultithread: wllama.isMultithread(),
      loadMs: performance.now() - started,
    }
    return this.loaded
  }

  async chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    const wllama = this.wllama
    const loaded = this.loaded
    if (!wllama || !loaded)
      throw new AppError('model_not_loaded')
    const mode = resolveMode(req.mode, loaded.hasChatTemplate)
    const common = { ...samplingParams(req.sampling), stream: true as const, abortSignal: run.signal }
    const started = performance.now()
    let text = ''
    let firstTokenAt = 0
    let last: StreamChunk | undefined
    try {
      const stream = mode === 'chat'
        ? await wllama.createChatCompletion({ ...common, messages: req.messages.map(toWllamaMessage), cache_prompt: true })
        : await wllama.createCompletion({ ...common, prompt: completionPrompt(req.messages) })
      for await (const chunk of stream as AsyncIterable<StreamChunk>) {
        const choice = chunk.choices[0]
        const delta = choice?.text ?? choice?.delta?.content ?? ''
        if (delta) {
          firstTokenAt ||= performance.now()
          text += delta
          run.onDelta(delta)
        }
        last = chunk
      }
    }
    catch (err) {
      throw toAppError(err, 'inference_failed')
    }
    if (run.signal.aborted)
      throw new AppError('aborted')
    const finish: FinishReason = last?.choices[0]?.finish_reason === 'length' ? 'length' : 'stop'
    return { text, finishReason: finish, mode, metrics: metricsOf(last, loaded, run.queueWaitMs, started, firstTokenAt) }
  }

  async unload(): Promise<void> {
    const wllama = this.wllama
    this.wllama = null
    this.loaded = null
    await wllama?.exit()
  }
}

function toWllamaMessage(m: ChatRequest['messages'][number]) {
  // Tool results are shown to template-less paths as user text; the agent issue brings native tool messages.
  return m.role === 'tool' ? { role: 'user' as const, content: m.content } : { role: m.role, content: m.content }
}

async function loadParams(req: LoadRequest): Promise<LoadModelParams> {
  return {
    n_ctx: req.nCtx ?? DEFAULT_N_CTX,
    n_threads: req.nThreads ?? 1,
    n_gpu_layers: req.nGpuLayers ?? (await hasWebGpuAdapter() ? 99999 : 0),
    // One conversation at a time: one slot keeps the whole context for it and its prompt cache.
    n_parallel: 1,
  }
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
  if (!gpu)
    return false
  try {
    return !!(await gpu.requestAdapter())
  }
  catch (err) {
    console.warn('WebGPU adapter probe failed; using the CPU', err)
    return false
  }
}

function classifyLoadError(err: unknown): AppError {
  const message = err instanceof Error ? err.message : String(err)
  if (/memory|alloc|OOM/i.test(message))
    return new AppError('out_of_memory', `Loading ran out of memory: ${message}`, { cause: err })
  return new AppError('load_failed', `The model could not be loaded: ${message}`, { cause: err })
}

function metricsOf(last: StreamChunk | undefined, loaded: LoadedModel, queueWaitMs: number, started: number, firstTokenAt: number): RequestMetrics {
  const t = last?.timings
  const promptTokens = last?.usage?.prompt_tokens ?? t?.prompt_n ?? 0
  const completionTokens = last?.usage?.completion_tokens ?? t?.predicted_n ?? 0
  return {
    engine: 'wllama',
    threads: loaded.threads,
    queueWaitMs,
    timeToFirstTokenMs: firstTokenAt ? firstTokenAt - started : 0,
    promptTokens,
    cachedTokens: t?.cache_n ?? last?.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens,
    prefillTokensPerSecond: t && t.prompt_ms > 0 ? (t.prompt_n / t.prompt_ms) * 1000 : 0,
    decodeTokensPerSecond: t && t.predicted_ms > 0 ? (t.predicted_n / t.predicted_ms) * 1000 : 0,
    totalMs: performance.now() - started,
  }
}
