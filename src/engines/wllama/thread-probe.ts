/**
 * The default thread count is measured, not guessed from `hardwareConcurrency`: on a 2-core machine llama.cpp ran
 * 125-154 tokens/s on 1 thread and 45-83 on 2, and over-subscribed threads under load collapsed to 1-9 tokens/s.
 * On first load of a model, decode speed is timed at 1..N threads and the fastest is kept, cached per device and model.
 */
import { createStore, get, set } from 'idb-keyval'

export interface ThreadSample {
  threads: number
  /** Decode speed measured at this thread count. */
  tokensPerSecond: number
}

export type ThreadSource = 'setting' | 'measured' | 'cached' | 'single'

export interface ThreadChoice {
  threads: number
  source: ThreadSource
  /** The measurements behind a `measured` or `cached` choice. */
  samples?: ThreadSample[]
}

/** Most threads worth trying: all cores, at most 8. */
export function maxProbeThreads(hardwareConcurrency: number): number {
  return Math.max(1, Math.min(hardwareConcurrency, 8))
}

/** The fastest sample; ties go to fewer threads (less contention with the page). */
export function fastest(samples: ThreadSample[]): ThreadSample {
  if (!samples.length)
    throw new Error('fastest() needs at least one sample')
  const isBetter = (s: ThreadSample, best: ThreadSample) =>
    s.tokensPerSecond > best.tokensPerSecond || (s.tokensPerSecond === best.tokensPerSecond && s.threads < best.threads)
  return samples.reduce((best, s) => (isBetter(s, best) ? s : best))
}

/**
 * Times `measure(t)` for t = 1..max, in order. `measure` returns decode tokens/s at t threads.
 * A thread count that fails to measure is skipped; if all fail, 1 thread is chosen.
 */
export async function probeThreads(max: number, measure: (threads: number) => Promise<number>): Promise<ThreadChoice> {
  const samples: ThreadSample[] = []
  for (let threads = 1; threads <= max; threads++) {
    try {
      samples.push({ threads, tokensPerSecond: await measure(threads) })
    }
    catch (err) {
      console.warn(`Thread probe at ${threads} threads failed; skipping it`, err)
    }
  }
  if (!samples.length)
    return { threads: 1, source: 'single' }
  return { threads: fastest(samples).threads, source: 'measured', samples }
}

const store = () => createStore('local-ai-engine', 'thread-probe')

/** Cache key: the device (its core count) and the model file (name and size). */
export function probeKey(hardwareConcurrency: number, fileName: string, fileBytes: number): string {
  return `${hardwareConcurrency}:${fileName}:${fileBytes}`
}

export async function cachedChoice(key: string): Promise<ThreadChoice | undefined> {
  const hit = await get<ThreadChoice>(key, store())
  return hit && { ...hit, source: 'cached' }
}

export async function saveChoice(key: string, choice: ThreadChoice): Promise<void> {
  await set(key, choice, store())
}
