/**
 * The AI service contract every backend implements: local wllama, WebLLM, Gemini and OpenAI-compatible servers.
 * Messages use the OpenAI chat shape, which wllama and web-llm already speak; the Gemini adapter translates.
 * Nothing here imports Vue, Pinia or the DOM: it runs in the worker and in Node tests.
 */
import type { ErrorCode } from '../shared/errors'
import type { ModelRef } from '../models/model-ref'

/** Services load models by reference; the type belongs to `models/`, re-exported for the contract's users. */
export type { ModelRef }

export type ServiceId = 'wllama' | 'webllm' | 'gemini' | 'openai-compat'

export interface Capabilities {
  /** Runs on this device; no prompt leaves it. */
  isLocal: boolean
  /** The backend can emit OpenAI-style `tool_calls` itself. */
  hasNativeToolCalls: boolean
  /** Largest context the backend accepts, in tokens. */
  maxContextTokens: number
  /** Tokens arrive as they are written (every backend here streams). Default true. */
  isStreaming?: boolean
  /** The backend can constrain output to a JSON Schema (`ChatRequest.responseSchema`). Default false. */
  hasSchemaOutput?: boolean
}

export interface Support {
  isSupported: boolean
  /** Why not, in words a user understands. */
  reason?: string
}

/** A tool call in the OpenAI chat shape. `arguments` is the JSON text the model wrote (may be malformed). */
export interface ToolCall {
  id: string
  type: 'function'
  function: { name: string, arguments: string }
  /** Opaque data the backend wants echoed back with this call in the history (Gemini's thought signature). */
  signature?: string
}

/** A tool offered to the model, in the OpenAI chat shape. `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  type: 'function'
  function: { name: string, description: string, parameters: Record<string, unknown> }
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string
  /** Assistant turns that called tools. */
  tool_calls?: ToolCall[]
  /** Tool turns: which call this result answers. */
  tool_call_id?: string
  /** Tool turns: the tool's name. */
  name?: string
}

/** Sampling settings; unset fields take the engine's defaults. */
export interface SamplingSettings {
  /** 0 is greedy. Default 0.7. */
  temperature?: number
  topK?: number
  topP?: number
  /** Most tokens to generate. Default 256. */
  maxTokens?: number
  seed?: number
  /**
   * Local engines: generate exactly `maxTokens` tokens, past any end-of-generation token (llama.cpp `ignore_eos`).
   * For measurements (`npm run bench` decodes a fixed count on chat models, which would otherwise stop at once).
   */
  ignoreEos?: boolean
}

/**
 * How a request is turned into a prompt. `auto` uses the model's chat template when it has one and a plain
 * completion of the last user message when it does not (tiny base models such as stories260K).
 */
export type PromptMode = 'auto' | 'chat' | 'completion'

export interface ChatRequest {
  messages: ChatMessage[]
  sampling?: SamplingSettings
  mode?: PromptMode
  /** Tools the model may call natively (backends with `hasNativeToolCalls`). */
  tools?: ToolDefinition[]
  /** Constrain the output to JSON matching this schema (llama.cpp compiles it to a grammar). */
  responseSchema?: Record<string, unknown>
  /**
   * A GBNF grammar (llama.cpp's format) for the output, describing the same replies as `responseSchema` in a fixed
   * layout (src/agent/step-grammar.ts). Engines that take grammars (wllama) use it instead of the schema; the others
   * ignore it.
   */
  grammar?: string
  /**
   * Local engines: reuse the KV cache of the prompt prefix shared with the previous request. Default true; `npm run
   * bench` turns it off to measure what it saves, and the answer after a failed tool loop is computed afresh.
   */
  promptReuse?: boolean
}

/** Timings of one request, published to the UI. Times in milliseconds; rates in tokens per second. */
export interface RequestMetrics {
  engine: ServiceId
  threads: number
  queueWaitMs: number
  timeToFirstTokenMs: number
  promptTokens: number
  /** Prompt tokens reused from the previous turn's KV cache, not processed again. */
  cachedTokens: number
  completionTokens: number
  /** Absent when the backend gave no real prompt-token count or timing (contract/speed.ts): never a made-up 0. */
  prefillTokensPerSecond?: number
  /** Absent when the backend gave no real completion-token count (contract/speed.ts): never a made-up 0. */
  decodeTokensPerSecond?: number
  totalMs: number
}

/**
 * Why a reply ended, in one vocabulary for every protocol. `stop`: the model finished. `length`: the token limit
 * (OpenAI `length`, Gemini `MAX_TOKENS`). `tool_calls`: it called tools. `content_filter`: an OpenAI-compatible
 * server's filter. Gemini's own reasons keep their names: `safety`, `recitation`, `blocklist`, `prohibited_content`,
 * `spii`, `malformed_function_call`, `other` (also any reason the app does not know). `blocked_prompt`: the service
 * refused the message itself (Gemini `promptFeedback.blockReason`), so there is no answer. `stalled`: the server
 * stopped sending mid-answer and the idle timeout cut it. `connection_lost`: the connection broke mid-answer (the
 * server stopped or crashed, the network dropped), so the text so far is all there is.
 */
export const FINISH_REASONS = [
  'stop', 'length', 'tool_calls', 'content_filter',
  'safety', 'recitation', 'blocklist', 'prohibited_content', 'spii', 'malformed_function_call', 'other',
  'blocked_prompt', 'stalled', 'connection_lost',
] as const
export type FinishReason = (typeof FINISH_REASONS)[number]

/** Why a reply needs a word to the person: any reason but a plain finish, or a finish with nothing written. */
export const REPLY_NOTICE_CODES = [...FINISH_REASONS.filter(r => r !== 'stop'), 'empty_answer', 'history_trimmed', 'history_summarised', 'same_answer'] as ReadonlyArray<ReplyNoticeCode>
/**
 * `history_trimmed`: the oldest messages no longer fit in the model's context and were left out (context-fit.ts).
 * `history_summarised`: they were replaced by a summary the model wrote (history-summary.ts).
 * `same_answer`: a regenerated reply equals the version before it at temperature 0 (stores/chat-versions.ts).
 */
export type ReplyNoticeCode = Exclude<FinishReason, 'stop'> | 'empty_answer' | 'history_trimmed' | 'history_summarised' | 'same_answer'

/** What the person reads under a reply that did not end normally: the reason and what to do next. */
export interface ReplyNotice {
  code: ReplyNoticeCode
  /** Plain words: what happened, naming the service and its host. */
  message: string
  /** What to do next (raise the limit, rephrase...). */
  nextStep: string
}

export interface ChatSummary {
  /** The answer only; reasoning is in `reasoning`, never here. */
  text: string
  finishReason: FinishReason
  /** Set when the reply ended other than with a plain, non-empty finish; the text so far is kept in `text`. */
  notice?: ReplyNotice
  /**
   * The model's reasoning, apart from the answer: `<think>` blocks in content, `reasoning_content` deltas, Gemini
   * thought parts. Shown collapsed; never sent back to a model as answer text.
   */
  reasoning?: string
  /** How the prompt was built: with the chat template or as a plain completion. */
  mode: Exclude<PromptMode, 'auto'>
  metrics: RequestMetrics
  /** Native tool calls the model made, if any. */
  toolCalls?: ToolCall[]
}

export type ChatChunk =
  | { type: 'delta', text: string }
  | { type: 'done', summary: ChatSummary }

export interface Progress {
  phase: 'download' | 'verify' | 'load'
  loadedBytes: number
  totalBytes: number
  /** Average over the last seconds, in bytes per second; 0 when unknown. */
  bytesPerSecond: number
}

export type ServiceState = 'idle' | 'loading' | 'ready' | 'busy' | 'error'

export interface ServiceStatus {
  state: ServiceState
  model?: ModelRef
  errorCode?: ErrorCode
}

export interface AIService {
  readonly id: ServiceId
  readonly capabilities: Capabilities
  /** Cheap probe: WebGPU adapter? threads? key set and online? Never throws. */
  isSupported(): Promise<Support>
  /** @throws AppError 'model_not_found' | 'load_failed' | 'invalid_model_file' | 'out_of_memory' | 'aborted' */
  initialize(model: ModelRef, opts?: { signal?: AbortSignal, onProgress?: (p: Progress) => void }): Promise<void>
  /**
   * Always streams; the last chunk is `done` with the summary. A caller that wants one string collects the deltas.
   * @throws AppError 'model_not_loaded' | 'inference_failed' | 'aborted' | 'timeout' | 'worker_crashed'
   */
  chat(req: ChatRequest, opts?: { signal?: AbortSignal }): AsyncIterable<ChatChunk>
  status(): ServiceStatus
  dispose(): Promise<void>
}
