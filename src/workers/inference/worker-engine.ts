/** What the worker handler needs from an engine that runs inside the worker (wllama, WebLLM). */
import type { LoadedModel, LoadRequest } from '../../contract/messages'
import type { ChatRequest, ChatSummary, Progress } from '../../contract/types'

/** One running chat request, as the queue hands it to the engine. */
export interface ChatRun {
  signal: AbortSignal
  /** Time the request waited in the queue, in milliseconds. */
  queueWaitMs: number
  onDelta: (text: string) => void
}

export interface WorkerEngine {
  readonly model: LoadedModel | null
  /** @throws AppError 'load_failed' | 'out_of_memory' | 'model_not_found' */
  load(req: LoadRequest, opts?: { onProgress?: (p: Progress) => void }): Promise<LoadedModel>
  /** @throws AppError 'model_not_loaded' | 'inference_failed' | 'aborted' */
  chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary>
  unload(): Promise<void>
}
