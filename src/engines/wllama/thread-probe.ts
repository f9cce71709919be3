/**
 * The default thread count is measured, not guessed from `hardwareConcurrency`: on a 2-core machine llama.cpp ran
 * 125-154 tokens/s on 1 thread and 45-83 on 2, and over-subscribed threads under load collapsed to 1-9 tokens/s.
 * On first load of a model, decode speed is timed at 1..N threads in interleaved rounds; more threads are kept only
 * when they win clearly in every round, and only a clear choice is cached per device and model (one short probe per
 * count on a busy machine once picked 1 thread where 2 were faster for the rest of the run: docs/performance.md).
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
  /** The measurements behind a `measured` or `cached` choice (the median of each count's rounds). */
  samples?: ThreadSample[]
  /** A `measured` choice that every round agreed on; an unclear one is not cached, so the next load measures again. */
  isClear?: boolean
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

export interface ProbeOptions {
  /** Rounds every count is measured in, at least. @default 2 */
  rounds?: number
  /** Rounds at most, while a comparison is still undecided. @default 3 */
  maxRounds?: number
  /** How much faster, in every round, more threads must be to count as a clear win. @default 0.05 */
  margin?: number
}

/**
 * Times `measure(t)` for t = 1..max in interleaved rounds (1..max, then max..1, ...), so a change in machine load hits
 * every count alike, and keeps more threads only on a clear win: faster by `margin` than the fewer threads' best in
 * every round (each round's figures are taken close together). While a comparison is neither a clear win nor a clear
 * loss another round is measured, up to `maxRounds`; a choice still undecided then is the fastest median, marked
 * `isClear: false` so the caller does not cache it. `measure` returns decode tokens/s at t threads. A count that
 * fails to measure is skipped; if all fail, 1 thread is chosen.
 */
export async function probeThreads(max: number, measure: (threads: number) => Promise<number>, opts: ProbeOptions = {}): Promise<ThreadChoice> {
  const { rounds = 2, maxRounds = 3, margin = 0.05 } = opts
  const runs = new Map<number, number[]>()
  const failed = new Set<number>()
  for (let round = 0; round < maxRounds; round++) {
    const order = Array.from({ length: max }, (_, i) => (round % 2 ? max - i : i + 1)).filter(t => !failed.has(t))
    for (const threads of order) {
      try {
        runs.set(threads, [...(runs.get(threads) ?? []), await measure(threads)])
      }
      catch (err) {
        failed.add(threads)
        runs.delete(threads)
        console.warn(`Thread probe at ${threads} threads failed; skipping it`, err)
      }
    }
    if (!runs.size)
      return { threads: 1, source: 'single' }
    if (round + 1 >= rounds && decide(runs, margin).isClear)
      break
  }
  const samples = [...runs].map(([threads, tps]) => ({ threads, tokensPerSecond: median(tps) }))
  const decision = decide(runs, margin)
  return { threads: decision.isClear ? decision.threads : fastest(samples).threads, source: 'measured', samples, isClear: decision.isClear }
}

/** Fewer threads hold unless more win clearly in every round; a comparison that is neither way leaves it unclear. */
function decide(runs: Map<number, number[]>, margin: number): { threads: number, isClear: boolean } {
  const counts = [...runs.keys()].sort((a, b) => a - b)
  let best = counts[0]!
  let isClear = true
  for (const t of counts.slice(1)) {
    const ratios = runs.get(t)!.map((v, r) => v / (runs.get(best)![r] ?? Number.NaN))
    if (ratios.every(x => x >= 1 + margin))
      best = t
    else if (!ratios.every(x => x <= 1 + margin))
      isClear = false
  }
  return { threads: best, isClear }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
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
