/**
 * Messages between the UI thread and the inference worker.
 *
 *   UI (engines/worker-client.ts)                      worker (workers/inference.worker.ts -> engines/worker-handler.ts)
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
 *
 * Every request is answered by exactly one `result` or `error` with its id. Errors cross as SerializedError and are
 * rebuilt into AppError on the UI side.
 */
import type { ChatChunk, ChatRequest, ChatSummary, ModelRef, Progress } from '../engines/types'
import type { SerializedError } from './errors'

export interface LoadRequest {
  model: ModelRef
  /** Name of the GGUF file in the app's OPFS models folder. */
  fileName: string
  /** Context size in tokens. Default 2048. */
  nCtx?: number
  /** CPU threads; unset lets the engine choose. */
  nThreads?: number
  /** Layers on the GPU; 0 is CPU only. Unset means all when WebGPU is available. */
  nGpuLayers?: number
}

export interface LoadedModel {
  model: ModelRef
  /** The GGUF has a chat template; without one, prompts are plain completions. */
  hasChatTemplate: boolean
  nCtx: number
  nCtxTrain: number
  threads: number
  isMultithread: boolean
  loadMs: number
}

export interface ChatCall extends ChatRequest {
  /** The model the request is for, so a restarted worker can reload it. */
  modelId: string
}

/** What the worker sees of its environment. */
export interface WorkerEnvironment {
  /** SharedArrayBuffer is usable, so wllama can run threads. */
  isCrossOriginIsolated: boolean
  hardwareConcurrency: number
  hasWebGpu: boolean
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

/** What posts messages: a Worker, `self` in a worker, or a MessagePort in tests. */
export type Post<T> = (message: T, transfer?: Transferable[]) => void
