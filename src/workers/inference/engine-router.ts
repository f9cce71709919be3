/**
 * The worker's engines behind one WorkerEngine: wllama for GGUF files, WebLLM for MLC models on WebGPU. One model is
 * loaded at a time, whichever engine holds it; loading on one engine unloads the other first.
 */
import { AppError } from '../../shared/errors'
import type { LoadedModel, LoadRequest } from '../../contract/messages'
import type { ChatRequest, ChatSummary, Progress } from '../../contract/types'
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

/**
 * An engine whose module is imported on its first `load`, so a worker started only to probe the environment does not
 * fetch (or parse) the engine's JavaScript: wllama's glue is most of the startup worker otherwise. Before that load
 * there is no model: `chat` answers `model_not_loaded` and `unload` has nothing to do.
 */
export function lazyEngine(create: () => Promise<WorkerEngine>): WorkerEngine {
  let engine: Promise<WorkerEngine> | null = null
  let ready: WorkerEngine | null = null
  const get = () => (engine ??= create().then(e => (ready = e), (err: unknown) => {
    engine = null // a failed import (e.g. offline before the chunk was cached) may succeed next time
    throw err
  }))
  return {
    get model() {
      return ready?.model ?? null
    },
    async load(req, opts) {
      return (await get()).load(req, opts)
    },
    async chat(req, run) {
      if (!ready)
        throw new AppError('model_not_loaded')
      return ready.chat(req, run)
    },
    async unload() {
      await ready?.unload()
    },
  }
}
