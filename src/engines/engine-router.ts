/**
 * The worker's engines behind one WorkerEngine: wllama for GGUF files, WebLLM for MLC models on WebGPU. One model is
 * loaded at a time, whichever engine holds it; loading on one engine unloads the other first.
 */
import type { LoadedModel, LoadRequest } from '../protocol/messages'
import type { ChatRequest, ChatSummary, Progress } from './types'
import type { ChatRun, WorkerEngine } from './worker-engine'

export type EngineName = NonNullable<LoadRequest['engine']>

export class EngineRouter implements WorkerEngine {
  private active: WorkerEngine | null = null

  constructor(private readonly engines: Record<EngineName, WorkerEngine>) {}

  get model(): LoadedModel | null {
    return this.active?.model ?? null
  }

  async load(req: LoadRequest, opts?: { onProgress?: (p: Progress) => void }): Promise<LoadedModel> {
    const next = this.engines[req.engine ?? 'wllama']
    if (this.active && this.active !== next)
      await this.active.unload()
    this.active = next
    return next.load(req, opts)
  }

  chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    // The wllama engine answers `model_not_loaded` when nothing is loaded.
    return (this.active ?? this.engines.wllama).chat(req, run)
  }

  async unload(): Promise<void> {
    await this.active?.unload()
  }
}
