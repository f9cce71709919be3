import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { EngineLock } from '../services/local/engine-lock'
import { InferenceConnection } from '../services/local/inference-connection'
import { WorkerService, type LoadOptions } from '../services/local/worker-service'
import type { RequestMetrics } from '../contract/types'
import { AppError } from '../shared/errors'
import type { QueueState, WorkerEnvironment } from '../contract/messages'

interface UaMemory {
  bytes: number
  breakdown: Array<{ bytes: number, attribution: Array<{ url?: string, scope?: string }> }>
}

/** How long a memory measurement may take before the UI gives up on it, in ms. */
const MEASURE_TIMEOUT_MS = 10_000

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([work, new Promise<null>(resolve => setTimeout(() => resolve(null), ms))])
}

/** How many past requests' metrics the UI keeps. */
const METRICS_KEPT = 50

/**
 * The inference worker as the UI sees it: its environment, queue, restarts and per-request metrics. The connection
 * object itself stays out of reactive state.
 */
export const useEngineStore = defineStore('engine', () => {
  const env = ref<WorkerEnvironment | null>(null)
  const queue = ref<QueueState>({ running: [], waiting: [] })
  const lastRestart = shallowRef<AppError | null>(null)
  /** The worker unloaded the model to free memory; it reloads with the next message. */
  const isIdleUnloaded = ref(false)
  const metrics = ref<RequestMetrics[]>([])
  /** Another tab took the engine over; this tab unloaded its model. */
  const wasTakenOver = ref(false)
  let conn: InferenceConnection | null = null
  const lock = new EngineLock()
  lock.onLost(() => {
    wasTakenOver.value = true
    void localService().dispose().catch((err: unknown) => console.warn('Unloading after a takeover failed', err))
    onTakenOver?.()
  })
  let onTakenOver: (() => void) | undefined

  function connection(): InferenceConnection {
    conn ??= new InferenceConnection(undefined, {
      onQueue: (s) => { queue.value = s },
      onRestart: (reason) => { lastRestart.value = reason },
      onReload: () => { isIdleUnloaded.value = false },
      onUnloaded: () => { isIdleUnloaded.value = true },
    })
    return conn
  }

  let service: WorkerService | null = null
  let loadOptions: () => LoadOptions = () => ({})
  /** The local model service (wllama in the worker) behind the AIService contract. */
  function localService(): WorkerService {
    service ??= new WorkerService('wllama', connection(), () => loadOptions())
    return service
  }
  /** Where the service reads load settings (context, threads, GPU, idle timeout) from. */
  function useLoadOptions(read: () => LoadOptions): void {
    loadOptions = read
  }

  async function readEnv(): Promise<void> {
    env.value = await connection().env()
  }

  function recordMetrics(m: RequestMetrics): void {
    metrics.value = [...metrics.value.slice(-(METRICS_KEPT - 1)), m]
  }

  /**
   * May this tab load a model? Only one tab of the app holds the engine (Web Locks).
   * @throws AppError 'busy_elsewhere' when another tab holds it; `takeOver()` then moves it here.
   */
  async function claim(): Promise<void> {
    if (await lock.acquire() === 'held-elsewhere')
      throw new AppError('busy_elsewhere')
  }

  async function takeOver(): Promise<void> {
    await lock.takeOver()
    wasTakenOver.value = false
  }

  /** Called when another tab takes over; the models store clears its loaded model. */
  function whenTakenOver(listener: () => void): void {
    onTakenOver = listener
  }

  /**
   * The page's memory, workers included, as the browser measures it (`performance.measureUserAgentSpecificMemory`,
   * which needs cross-origin isolation and may wait for the next garbage collection). Null where unsupported.
   */
  const measuredMemory = ref<{ bytes: number, workerBytes: number, measuredAt: number } | null>(null)
  /** Why the last measurement gave no number. */
  const memoryError = ref<string | null>(null)
  const isMeasuringMemory = ref(false)
  async function measureMemory(timeoutMs = MEASURE_TIMEOUT_MS): Promise<void> {
    const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<UaMemory> }
    if (!globalThis.crossOriginIsolated || !perf.measureUserAgentSpecificMemory)
      return
    isMeasuringMemory.value = true
    memoryError.value = null
    measuredMemory.value = null
    try {
      const m = await withTimeout(perf.measureUserAgentSpecificMemory(), timeoutMs)
      if (!m) {
        // Chromium waits for every worker to reach its event loop; wllama's worker stays inside WebAssembly while a
        // model is loaded, so the measurement cannot finish then.
        memoryError.value = 'The browser could not measure memory while the model is loaded. Unload it and measure again, or use the estimate.'
        return
      }
      const workerBytes = m.breakdown
        .filter(b => b.attribution.some(a => a.scope === 'DedicatedWorkerGlobalScope'))
        .reduce((sum, b) => sum + b.bytes, 0)
      measuredMemory.value = { bytes: m.bytes, workerBytes, measuredAt: Date.now() }
    }
    finally {
      isMeasuringMemory.value = false
    }
  }

  /** Replaces the worker now; used by "Restart engine" when the engine is stuck. */
  function restart(): void {
    connection().restart()
  }

  return { localService, useLoadOptions, env, queue, lastRestart, isIdleUnloaded, wasTakenOver, metrics, connection, readEnv, recordMetrics, restart, claim, takeOver, whenTakenOver, measuredMemory, memoryError, isMeasuringMemory, measureMemory }
})
