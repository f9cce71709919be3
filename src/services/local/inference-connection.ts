/**
 * The app's connection to the inference worker. It survives the worker: when the worker dies (uncaught error, wasm
 * abort, terminate), every pending call rejects with `worker_crashed`, a new worker starts, and the next chat
 * reloads the model the user had loaded. The same path reloads a model the worker unloaded when it was idle.
 */
import { AppError } from '../../shared/errors'
import type { Calls, LoadRequest, QueueState } from '../../contract/messages'
import type { ChatChunk, Progress } from '../../contract/types'
import { WorkerClient, createInferenceWorker, type Endpoint } from './worker-client'

export interface ConnectionEvents {
  /** The worker died and a new one was started; `reason` is the crash error. */
  onRestart?: (reason: AppError) => void
  /** Queue length and waits changed in the worker. */
  onQueue?: (state: QueueState) => void
  /** The worker unloaded the model after its idle timeout. */
  onUnloaded?: (info: { modelId: string, reason: 'idle' }) => void
  /** The model was reloaded in the worker before a request (after a crash or an idle unload). */
  onReload?: (loaded: Calls['load']['out']) => void
}

/**
 * How long a wllama load may go without progress before the worker is replaced: 45 s, plus 30 s a GiB of model file
 * (a first load that measures thread counts makes progress at every measurement, each of which reads the file again). A load reads
 * the file from the device and runs no network; one that takes longer is stuck (a GGUF whose chat template loops
 * ran for minutes with every button disabled), and only a new worker stops a WebAssembly call.
 */
export function loadDeadlineMs(req: LoadRequest): number {
  const bytes = (req.fileSizes ?? []).reduce((sum, n) => sum + n, 0)
  return 45_000 + Math.ceil(30_000 * bytes / 2 ** 30)
}

export interface ConnectionOptions {
  /** The load watchdog, in ms, for a request; 0 turns it off. Default {@link loadDeadlineMs} (WebLLM loads, which download, have none). */
  loadTimeoutMs?: (req: LoadRequest) => number
}

export class InferenceConnection {
  private client!: WorkerClient
  private lastLoad: LoadRequest | null = null
  /** The reload under way, and the worker it runs in. */
  private reloading: { client: WorkerClient, done: Promise<void> } | null = null
  private restarts = 0

  constructor(
    private readonly createEndpoint: () => Endpoint = createInferenceWorker,
    private readonly events: ConnectionEvents = {},
    private readonly options: ConnectionOptions = {},
  ) {
    this.start()
  }

  /** How many times the worker was replaced after dying. */
  get restartCount(): number {
    return this.restarts
  }

  env(): Promise<Calls['env']['out']> {
    return this.client.call('env', null)
  }

  async load(req: LoadRequest, opts: { signal?: AbortSignal, onProgress?: (p: Progress) => void } = {}): Promise<Calls['load']['out']> {
    // Remembered only once loaded: a restarted worker must not retry a load that failed.
    this.lastLoad = null
    const loaded = await this.onFreshWorkerIfStuck(() => this.watchedLoad(this.client, req, opts))
    this.lastLoad = req
    return loaded
  }

  async unload(): Promise<void> {
    this.lastLoad = null
    await this.onFreshWorkerIfStuck(() => this.client.call('unload', null))
  }

  /**
   * Streams a chat; if the worker no longer has the model (new worker, idle unload), reloads it and retries once.
   * If the engine is stuck on a call it was told to stop (`engine_stuck`), the worker is replaced first: killing it
   * is the only way to stop a stuck WebAssembly call and free its memory.
   */
  async* chat(payload: Calls['chat']['in'], opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    let hasYielded = false
    const client = this.client
    try {
      for await (const chunk of client.chat(payload, opts)) {
        hasYielded = true
        yield chunk
      }
    }
    catch (err) {
      if (hasYielded || !(err instanceof AppError) || (err.code !== 'model_not_loaded' && err.code !== 'engine_stuck'))
        throw err
      if (err.code === 'engine_stuck')
        this.replaceStuck(client)
      await this.reload(payload.modelId, opts.signal)
      yield* this.client.chat(payload, opts)
    }
  }

  /**
   * A load with a watchdog: past its deadline the worker is replaced (the app stays usable, the next load starts on a
   * fresh worker) and the load fails with `load_timeout`.
   */
  private watchedLoad(client: WorkerClient, req: LoadRequest, opts: { signal?: AbortSignal, onProgress?: (p: Progress) => void } = {}): Promise<Calls['load']['out']> {
    const limitMs = this.options.loadTimeoutMs?.(req) ?? (req.engine === 'webllm' ? 0 : loadDeadlineMs(req))
    if (!(limitMs > 0))
      return client.call('load', req, opts)
    let timer: ReturnType<typeof setTimeout> | undefined
    let fire: () => void = () => {}
    // The limit counts silence, not the whole load: each progress step (the header read, every thread-probe
    // measurement, the final load) starts it again, so a first load that probes threads on a busy machine (several
    // loads of the file) is not cut short, while a load stuck in one step still is.
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => fire(), limitMs)
    }
    const watchdog = new Promise<never>((_, reject) => {
      fire = () => {
        // The model's own file name, not its storage name (an encoded OPFS name means nothing to a person).
        const file = req.model.file.split('/').pop() || req.model.file
        const reason = new AppError('load_timeout', `Loading "${file}" made no progress for ${Math.round(limitMs / 1000)} s, so the inference engine was restarted. The device may be very busy; if it happens every time, the model's chat template may loop.`)
        if (this.client === client)
          this.restart(reason)
        reject(reason)
      }
    })
    arm()
    const load = client.call('load', req, { ...opts, onProgress: (p) => {
      arm()
      opts.onProgress?.(p)
    } })
    return Promise.race([load, watchdog]).finally(() => clearTimeout(timer))
  }

  /** Runs `call`; if the engine is stuck (`engine_stuck`), replaces the worker and runs it once more there. */
  private async onFreshWorkerIfStuck<T>(call: () => Promise<T>): Promise<T> {
    const client = this.client
    try {
      return await call()
    }
    catch (err) {
      if (!(err instanceof AppError) || err.code !== 'engine_stuck')
        throw err
      this.replaceStuck(client)
      return call()
    }
  }

  /** Replaces the worker whose engine is stuck; several calls may meet the same one, and only the first replaces it. */
  private replaceStuck(client: WorkerClient): void {
    if (this.client === client)
      this.restart(new AppError('engine_stuck'))
  }

  /**
   * Kills the worker now (the person's Restart engine, or a stuck engine); pending calls reject with `reason`:
   * `engine_restarted` by default (a newcomer read the restart they had asked for as "stopped unexpectedly").
   */
  restart(reason = new AppError('engine_restarted', 'You restarted the inference engine.')): void {
    this.client.dispose(reason)
    this.replace(reason)
  }

  private replace(reason: AppError): void {
    this.restarts++
    // The old worker's queue went with it: nothing runs until the new one says so ("generating" stayed on the chip).
    this.events.onQueue?.({ running: [], waiting: [] })
    this.start()
    this.events.onRestart?.(reason)
  }

  dispose(): void {
    this.client.dispose()
  }

  /**
   * Loads the last model again in the current worker. Chats that need it at the same time (say, all those a restart
   * interrupted) share one load; a caller's signal ends its own wait, not the load the others wait for.
   */
  private async reload(modelId: string, signal?: AbortSignal): Promise<void> {
    const request = this.lastLoad
    if (request?.model.id !== modelId)
      throw new AppError('model_not_loaded', `The model "${modelId}" is not loaded. Load it from the model list.`)
    if (this.reloading?.client !== this.client) {
      const client = this.client
      const done = this.watchedLoad(client, request).then((loaded) => { this.events.onReload?.(loaded) })
      this.reloading = { client, done }
      void done.catch(() => undefined).finally(() => {
        if (this.reloading?.done === done)
          this.reloading = null
      })
    }
    await untilAborted(this.reloading.done, signal)
  }

  private start(): void {
    this.client = new WorkerClient(this.createEndpoint(), {
      onCrash: reason => this.replace(reason),
      onQueue: state => this.events.onQueue?.(state),
      onUnloaded: info => this.events.onUnloaded?.(info),
    })
  }
}

/** `work`, or AppError `aborted` as soon as `signal` aborts (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal)
    return work
  if (signal.aborted)
    return Promise.reject(new AppError('aborted'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AppError('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
