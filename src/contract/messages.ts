/**
 * Messages between the UI thread and the inference worker.
 *
 *   UI (services/local/worker-client.ts)    worker (workers/inference/inference.worker.ts -> workers/inference/worker-handler.ts)
 *   ------------------------------                      ---------------------------------------------------------------
 *   { id, type: 'load',   payload }   ───────────────▶  opens the GGUF in OPFS, loads it in wllama
 *                                     ◀───────────────  { id, type: 'progress', payload }   (0..n)
 *                                     ◀───────────────  { id, type: 'result', payload: LoadedModel } | { id, type: 'error' }
 *   { id, type: 'chat',   payload }   ───────────────▶  generates
 *                                     ◀───────────────  { id, type: 'chunk', payload: { type: 'delta', text } }  (0..n)
 *                                     ◀───────────────  { id, type: 'result', payload: ChatSummary } | { id, type: 'error' }
 *   { id, type: 'abort',  target }    ───────────────▶  stops request `target`; it answers error code 'aborted'
 *   { id, type: 'unload', payload }   ───────────────▶  frees the model          ◀── result | error
 *   { id, type: 'env',    payload }   ───────────────▶  reports isolation, cores, WebGPU  ◀── result
 *                                     ◀───────────────  { id: '', type: 'queue', payload }  whenever the queue changes
 *
 * Every request is answered by exactly one `result` or `error` with its id. Errors cross as SerializedError and are
 * rebuilt into AppError on the UI side.
 */
import type { ChatChunk, ChatRequest, ChatSummary, ModelRef, Progress } from './types'
import type { SerializedError } from '../shared/errors'
import type { GpuProbe } from '../shared/webgpu-probe'

export interface LoadRequest {
  /** Which engine in the worker runs the model. Default `wllama` (GGUF); `webllm` takes an MLC model id as `model.id`. */
  engine?: 'wllama' | 'webllm'
  model: ModelRef
  /** Name of the GGUF file in the app's OPFS models folder (the first part of a split GGUF). */
  fileName: string
  /** Every part of a split GGUF (`-00001-of-0000N`), in order; unset for a single file. */
  fileNames?: string[]
  /** The verified size of each file, in bytes, checked before every load (a shorter file was damaged or evicted). */
  fileSizes?: number[]
  /** Context size in tokens. Default 2048. */
  nCtx?: number
  /** CPU threads; unset lets the engine choose. */
  nThreads?: number
  /**
   * Models from this size on (bytes, all parts) learn their thread count from chats instead of probe loads.
   * Default 32 MiB (workers/inference/wllama/thread-probe.ts); a deployment's app-config.json may set it.
   */
  threadProbeMaxBytes?: number
  /** Layers on the GPU; 0 is CPU only. Unset means all when WebGPU is usable. */
  nGpuLayers?: number
  /** A chat template for a GGUF that has none (a llama.cpp template name such as `chatml`, or Jinja). */
  chatTemplate?: string
  /** Unload after this long without requests, in ms, to give memory back; the next request reloads. 0 = never. */
  idleUnloadMs?: number
}

export interface LoadedModel {
  model: ModelRef
  /** The GGUF has a chat template; without one, prompts are plain completions. */
  hasChatTemplate: boolean
  nCtx: number
  nCtxTrain: number
  threads: number
  /** How the thread count was chosen: a setting, measured now, measured before (cached), or 1 without isolation. */
  threadSource: 'setting' | 'measured' | 'cached' | 'single' | 'learning'
  /** Decode speed at each thread count tried, when measured. */
  threadSamples?: Array<{ threads: number, tokensPerSecond: number }>
  /** A measured choice the rounds disagreed on (the machine's load changed): not cached, measured again next load. */
  isThreadChoiceUnclear?: boolean
  /** Probe loads whose rounds all disagreed, combined into the cached choice: no more probing on this device. */
  threadChoiceSettledAfter?: number
  isMultithread: boolean
  backend: 'cpu' | 'webgpu'
  gpuLayers: number
  /** What the user should know about how the model was loaded (fallbacks, reduced context). */
  notes: string[]
  /** Weights plus KV cache at the loaded context, in bytes: what the model adds to memory, before compute buffers. */
  estimatedMemoryBytes: number
  /** The load in the worker, ms: opening the file to the engine ready. */
  loadMs: number
  /**
   * Where `loadMs` went, ms: `check` opens the file and reads its header (and asks for a GPU), `threads` chooses the
   * thread count (a probe on a small model's first load), `engine` is the engine's own load (wllama reading the
   * weights). For the benchmark's `cold_start` note and the Performance screen.
   */
  loadStepsMs?: { check: number, threads: number, engine: number }
}

export type Priority = 'interactive' | 'background'

export interface ChatCall extends ChatRequest {
  /** The model the request is for, so a restarted worker can reload it. */
  modelId: string
  /** Interactive requests (the chat) run before background ones (benchmarks, summaries). Default interactive. */
  priority?: Priority
  /** Deadline from the moment the worker receives the request, waiting included, in ms. Default none. */
  timeoutMs?: number
}

/** The worker's request queue, as the UI shows it. Times in milliseconds. */
export interface QueueState {
  running: Array<{ id: string, priority: Priority, waitMs: number }>
  waiting: Array<{ id: string, priority: Priority, waitMs: number }>
}

/** What the worker sees of its environment. */
export interface WorkerEnvironment {
  /** SharedArrayBuffer is usable, so wllama can run threads. */
  isCrossOriginIsolated: boolean
  hardwareConcurrency: number
  /** navigator.deviceMemory in GiB, when the browser tells (Chrome caps it at 8). */
  deviceMemoryGiB?: number
  /** The WebGPU adapter as the worker sees it: features (e.g. shader-f16) and limits. */
  gpu: GpuProbe
}

/** One row per call: payload in, result out. */
export interface Calls {
  env: { in: null, out: WorkerEnvironment }
  load: { in: LoadRequest, out: LoadedModel }
  chat: { in: ChatCall, out: ChatSummary }
  unload: { in: null, out: null }
}

export type CallType = keyof Calls

export type WorkerRequest =
  | { [K in CallType]: { id: string, type: K, payload: Calls[K]['in'] } }[CallType]
  | { id: string, type: 'abort', target: string }

export type WorkerEvent =
  | { id: string, type: 'result', payload: unknown }
  | { id: string, type: 'error', error: SerializedError }
  | { id: string, type: 'chunk', payload: Extract<ChatChunk, { type: 'delta' }> }
  | { id: string, type: 'progress', payload: Progress }
  /** Broadcast, not an answer: the queue changed. */
  | { id: '', type: 'queue', payload: QueueState }
  /** Broadcast: the worker unloaded its model by itself (idle timeout); the next request reloads it. */
  | { id: '', type: 'unloaded', payload: { modelId: string, reason: 'idle' } }

/** What posts messages: a Worker, `self` in a worker, or a MessagePort in tests. */
export type Post<T> = (message: T, transfer?: Transferable[]) => void
