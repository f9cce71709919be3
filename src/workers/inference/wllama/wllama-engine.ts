/**
 * llama.cpp in WebAssembly through wllama, inside the inference worker. The GGUF is read straight from its OPFS
 * file (a disk-backed File), so there is no second copy in memory or in wllama's own cache.
 */
import { LoggerWithoutDebug, Wllama, type LoadModelParams } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import { AppError } from '../../../shared/errors'
import type { ChatCall, LoadedModel, LoadRequest } from '../../../contract/messages'
import { blobSource, validateGguf, type ModelSummary } from '../../../models/gguf'
import { openModelFile } from '../../../models/opfs-store'
import type { ChatRequest, ChatSummary, Progress } from '../../../contract/types'
import { probeWebGpuOnce, type GpuProbe } from '../../../shared/webgpu-probe'
import type { ChatRun, WorkerEngine } from '../worker-engine'
import { wellFormedMessage } from '../../../contract/well-formed'
import { DEFAULT_N_CTX, assertFits, chooseBackend, climbDown, degradationLadder, kvCacheBytes, planContext, type LoadAttempt } from '../../../models/load-plan'
import { completionPrompt, constraintParams, resolveMode, samplingParams, toWllamaMessage } from '../../../contract/prompt'
import { neutraliser, readSpecialTokens } from './special-tokens'
import { readStream, type StreamChunk } from './stream'
import { MIN_SAMPLE_TOKENS, PROBE_MAX_BYTES, cachedChoice, chooseFromUse, maxProbeThreads, probeKey, probeThreads, recordUse, saveChoice, settleProbe, useSamples, type ThreadChoice } from './thread-probe'
import { contextError, engineError } from './engine-errors'

/** Context used while timing thread counts: small, so each probe load is quick. */
const PROBE_N_CTX = 256
const PROBE_TOKENS = 24
/** What a load asked to run on the CPU needs to know about the GPU: nothing (chooseBackend does not look). */
const CPU_ONLY: GpuProbe = { hasAdapter: false, features: [] }

export class WllamaEngine implements WorkerEngine {
  private wllama: Wllama | null = null
  private loaded: LoadedModel | null = null
  /** Breaks the model's special-token strings in message text, so typed `</s>` stays text (special-tokens.ts). */
  private neutralise: (text: string) => string = text => text
  /**
   * Set while a big model's thread count is learnt from its chats: where to record their decode speed, the most
   * threads worth trying, and how to load the model again at another count (same files, context and GPU layers).
   */
  private learning: { key: string, threads: number, max: number, reload: (threads: number) => Promise<Wllama> } | null = null
  /** The choice the last recorded chat settled on, applied before the next chat (thread-probe.ts: a slow count is dropped). */
  private learnt: Promise<ThreadChoice | undefined> = Promise.resolve(undefined)

  get model(): LoadedModel | null {
    return this.loaded
  }

  /**
   * Loads the model. `onProgress` hears a `load` step (no byte counts: wllama reads a Blob in one call) at each stage:
   * the header checked, each thread-probe measurement, the final load; the page's load watchdog counts silence from
   * the last one (inference-connection.ts), so a first load that probes threads on a busy machine is not cut short.
   */
  async load(req: LoadRequest, opts: { onProgress?: (p: Progress) => void } = {}): Promise<LoadedModel> {
    const step = () => opts.onProgress?.({ phase: 'load', loadedBytes: 0, totalBytes: 0, bytesPerSecond: 0 })
    await this.unload()
    const started = performance.now()
    // A split GGUF loads as one model: wllama takes the parts in order.
    const files = await Promise.all((req.fileNames?.length ? req.fileNames : [req.fileName]).map(openModelFile))
    files.forEach((f, i) => assertSize(f, req.fileSizes?.[i]))
    const file = files[0]!
    // The header check and the WebGPU question are independent: ask both at once. "CPU only" asks no GPU at all.
    // The special tokens (the whole vocabulary is read for them) are needed at the first chat, not for the load: read
    // while wllama loads, not before it (bench warm_start: the header-check step took ~80 ms of every load).
    const specials = readSpecialTokens(blobSource(file))
    specials.catch(() => {}) // awaited below; an early failure must not be an unhandled rejection meanwhile
    const [summary, gpu] = await Promise.all([readSummary(file), req.nGpuLayers === 0 ? CPU_ONLY : probeWebGpuOnce()])
    const requestedCtx = req.nCtx ?? DEFAULT_N_CTX
    const fit = { fileBytes: files.reduce((n, f) => n + f.size, 0), nCtx: requestedCtx, ...summary, deviceMemoryGiB: (navigator as { deviceMemory?: number }).deviceMemory }
    assertFits(fit)
    const { nCtx, reason } = planContext(fit)
    const backend = chooseBackend(req.nGpuLayers, gpu, summary.blockCount)
    step()
    const checked = performance.now()
    const threads = await chooseThreads(req, file, fit.fileBytes, backend.gpuLayers, step)
    step()
    const chosen = performance.now()
    const { value: wllama, attempt, changes } = await climbDown(
      degradationLadder(nCtx, backend.gpuLayers),
      a => createWllama(files, paramsFor(a, threads.threads, req.chatTemplate)),
    )
    if (reason)
      changes.unshift(`The context was reduced from ${requestedCtx} to ${nCtx} tokens: ${reason}.`)
    this.wllama = wllama
    this.neutralise = neutraliser(await specials)
    this.learning = threads.learnKey
      ? { key: threads.learnKey, threads: wllama.getNumThreads(), max: maxProbeThreads(navigator.hardwareConcurrency ?? 1), reload: t => createWllama(files, paramsFor(attempt, t, req.chatTemplate)) }
      : null
    const info = wllama.getLoadedContextInfo()
    this.loaded = {
      model: req.model,
      hasChatTemplate: !!(req.chatTemplate ?? wllama.getChatTemplate()),
      nCtx: info.n_ctx,
      nCtxTrain: info.n_ctx_train,
      threads: wllama.getNumThreads(),
      threadSource: threads.source,
      threadSamples: threads.samples,
      ...(threads.source === 'measured' && !threads.isClear && !threads.settledAfterProbes && { isThreadChoiceUnclear: true }),
      ...(threads.settledAfterProbes && { threadChoiceSettledAfter: threads.settledAfterProbes }),
      isMultithread: wllama.isMultithread(),
      backend: attempt.gpuLayers > 0 ? 'webgpu' : 'cpu',
      gpuLayers: attempt.gpuLayers,
      notes: [...(backend.note ? [backend.note] : []), ...changes],
      estimatedMemoryBytes: file.size + kvCacheBytes({ ...fit, nCtx: info.n_ctx }),
      loadMs: performance.now() - started,
      loadStepsMs: { check: checked - started, threads: chosen - checked, engine: performance.now() - chosen },
    }
    return this.loaded
  }

  async chat(req: ChatRequest & Pick<ChatCall, 'promptReuse'>, run: ChatRun): Promise<ChatSummary> {
    await this.applyLearnt()
    const wllama = this.wllama
    const loaded = this.loaded
    if (!wllama || !loaded)
      throw new AppError('model_not_loaded')
    const mode = resolveMode(req.mode, loaded.hasChatTemplate)
    // cache_prompt: a follow-up turn reuses the KV cache of the shared prefix instead of processing it again.
    const common = { ...samplingParams(req.sampling), stream: true as const, abortSignal: run.signal, cache_prompt: req.promptReuse !== false }
    const started = performance.now()
    try {
      const constraints = constraintParams(req, mode, this.neutralise)
      const isNative = !!req.tools?.length
      // A lone surrogate breaks wllama's string passing ("Invalid typed array length"): every caller gets this too.
      // Message text is plain text: the prompt is tokenised with special tokens parsed, so typed ones are broken first.
      const messages = req.messages.map(wellFormedMessage).map(m => ({ ...m, content: this.neutralise(m.content) }))
      const stream = mode === 'chat'
        ? await wllama.createChatCompletion({ ...common, ...constraints, messages: messages.map(m => toWllamaMessage(m, isNative)) })
        : await wllama.createCompletion({ ...common, ...constraints, prompt: completionPrompt(messages) })
      const result = await readStream(stream as AsyncIterable<StreamChunk>, run.onDelta)
      if (run.signal.aborted)
        throw new AppError('aborted')
      const summary = { ...result.summary(loaded, run.queueWaitMs, started), mode }
      this.learnFrom(summary.metrics)
      return summary
    }
    catch (err) {
      throw run.signal.aborted ? new AppError('aborted') : contextError(err) ?? engineError(err, loaded.model.file)
    }
  }

  async unload(): Promise<void> {
    const wllama = this.wllama
    this.wllama = null
    this.loaded = null
    this.learning = null
    this.learnt = Promise.resolve(undefined)
    await wllama?.exit()
  }

  /** While a big model's thread count is being learnt, a long enough chat records its decode speed. */
  private learnFrom(metrics: ChatSummary['metrics']): void {
    const learning = this.learning
    if (!learning || metrics.completionTokens < MIN_SAMPLE_TOKENS || metrics.decodeTokensPerSecond === undefined)
      return
    const tokensPerSecond = metrics.decodeTokensPerSecond
    this.learnt = (async () => {
      await recordUse(learning.key, learning.threads, tokensPerSecond)
      return chooseFromUse(learning.max, await useSamples(learning.key))
    })().catch((err: unknown) => {
      console.warn('Could not record the decode speed for the thread choice', err)
      return undefined
    })
  }

  /**
   * When the chats so far end the learning (a count clearly slower than the best was dropped after one chat, or every
   * count has its samples), the choice is cached and, if it is another count, the model is loaded again at that count
   * before this chat: staying on a count that runs at a tenth of the speed for the rest of the session costs far more
   * than one load. A further count to learn waits for the next load, as before (no extra load for that).
   */
  private async applyLearnt(): Promise<void> {
    const choice = await this.learnt
    this.learnt = Promise.resolve(undefined)
    const learning = this.learning
    if (!choice || choice.source !== 'measured' || !learning || !this.loaded)
      return
    this.learning = null
    await saveChoice(learning.key, choice).catch((err: unknown) => console.warn('Could not cache the thread choice', err))
    this.loaded = { ...this.loaded, threadSource: 'measured', threadSamples: choice.samples }
    if (choice.threads === learning.threads)
      return
    await this.wllama?.exit()
    this.wllama = null
    // Loading again at the old count, if the new one fails, keeps the model usable.
    const wllama = await learning.reload(choice.threads).catch(() => learning.reload(learning.threads)).catch((err: unknown) => {
      console.warn('Could not load the model again at the chosen thread count', err)
      return null
    })
    if (!wllama) {
      // Not loaded: the connection loads it again for this chat (inference-connection.ts), now from the cached choice.
      this.loaded = null
      throw new AppError('model_not_loaded')
    }
    this.wllama = wllama
    this.loaded = { ...this.loaded, threads: wllama.getNumThreads() }
  }
}

/** The cheap check before every load: the file still has the size that was verified. */
function assertSize(file: File, expectedBytes: number | undefined): void {
  if (expectedBytes !== undefined && file.size !== expectedBytes)
    throw new AppError('truncated_model_file', `The model file has ${file.size} bytes, but ${expectedBytes} were verified. Delete it and download it again.`)
}

async function readSummary(file: File): Promise<Partial<ModelSummary>> {
  const check = await validateGguf(blobSource(file))
  if (!check.ok)
    throw new AppError(check.code, check.message)
  return check.summary
}

async function createWllama(files: File[], params: LoadModelParams): Promise<Wllama> {
  const wllama = new Wllama({ default: wasmUrl }, { suppressNativeLog: true, logger: LoggerWithoutDebug })
  // No compat build from a CDN: this app never fetches code from third parties.
  wllama.setCompat(null)
  try {
    // One conversation at a time: one slot keeps the whole context and its prompt cache.
    await wllama.loadModel(files, { n_parallel: 1, ...params })
    return wllama
  }
  catch (err) {
    await wllama.exit().catch(() => undefined) // the load error is the one to report
    throw err
  }
}

function paramsFor(a: LoadAttempt, threads: number, chatTemplate?: string): LoadModelParams {
  return { n_ctx: a.nCtx, n_gpu_layers: a.gpuLayers, n_threads: threads, ...(chatTemplate && { chat_template: chatTemplate }) }
}

/**
 * The thread count: the setting; else 1 without isolation; else the cached choice; else a probe (small models) or the
 * next count to learn from chats (models of `threadProbeMaxBytes` and more: each probe load would read them again).
 */
async function chooseThreads(req: LoadRequest, file: File, modelBytes: number, gpuLayers: number, onMeasure?: () => void): Promise<ThreadChoice & { learnKey?: string }> {
  if (req.nThreads)
    return { threads: req.nThreads, source: 'setting' }
  const cores = navigator.hardwareConcurrency ?? 1
  if (!globalThis.crossOriginIsolated || cores < 2)
    return { threads: 1, source: 'single' }
  const key = probeKey(cores, req.fileName, file.size)
  const cached = await cachedChoice(key)
  if (cached)
    return cached
  if (modelBytes >= (req.threadProbeMaxBytes ?? PROBE_MAX_BYTES)) {
    const fromUse = chooseFromUse(maxProbeThreads(cores), await useSamples(key))
    if (fromUse.source === 'learning')
      return { ...fromUse, learnKey: key }
    await saveChoice(key, fromUse)
    return fromUse
  }
  const choice = await probeThreads(maxProbeThreads(cores), (t) => {
    onMeasure?.()
    return measureDecode(file, t, gpuLayers)
  })
  // An unclear choice (rounds disagreed: the machine's load changed under the probe) is used now, measured again next
  // time, and settled after a few such loads.
  return settleProbe(key, choice)
}

/** Decode tokens/s at `threads`, on a small context, after a short warm-up. */
async function measureDecode(file: File, threads: number, gpuLayers: number): Promise<number> {
  const wllama = await createWllama([file], { n_ctx: PROBE_N_CTX, n_gpu_layers: gpuLayers, n_threads: threads })
  try {
    const run = (n: number) => wllama.createCompletion({ prompt: 'Once upon a time', max_tokens: n, temperature: 0, ignore_eos: true })
    await run(4)
    const r = await run(PROBE_TOKENS)
    return r.timings?.predicted_per_second ?? 0
  }
  finally {
    await wllama.exit()
  }
}
