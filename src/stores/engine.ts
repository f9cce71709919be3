import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { EngineLock } from '../engines/engine-lock'
import { InferenceConnection } from '../engines/inference-connection'
import type { RequestMetrics } from '../engines/types'
import { AppError } from '../protocol/errors'
import type { LoadedModel, QueueState, WorkerEnvironment } from '../protocol/messages'

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
  const lastReload = shallowRef<LoadedModel | null>(null)
  /** The worker unloaded the model to free memory; it reloads with the next message. */
  const isIdleUnloaded = ref(false)
  const metrics = ref<RequestMetrics[]>([])
  /** Another tab took the engine over; this tab unloaded its model. */
  const wasTakenOver = ref(false)
  let conn: InferenceConnection | null = null
  const lock = new EngineLock()
  lock.onLost(() => {
    wasTakenOver.value = true
    void connection().unload().catch((err: unknown) => console.warn('Unloading after a takeover failed', err))
    onTakenOver?.()
  })
  let onTakenOver: (() => void) | undefined

  function connection(): InferenceConnection {
    conn ??= new InferenceConnection(undefined, {
      onQueue: (s) => { queue.value = s },
      onRestart: (reason) => { lastRestart.value = reason },
      onReload: (loaded) => { lastReload.value = loaded; isIdleUnloaded.value = false },
      onUnloaded: () => { isIdleUnloaded.value = true },
    })
    return conn
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

  /** Replaces the worker now; used by "Restart engine" when the engine is stuck. */
  function restart(): void {
    connection().restart()
  }

  return { env, queue, lastRestart, lastReload, isIdleUnloaded, wasTakenOver, metrics, connection, readEnv, recordMetrics, restart, claim, takeOver, whenTakenOver }
})
