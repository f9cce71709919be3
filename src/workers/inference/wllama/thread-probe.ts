/**
 * The default thread count is measured, not guessed from `hardwareConcurrency`: on a 2-core machine llama.cpp ran
 * 125-154 tokens/s on 1 thread and 45-83 on 2, and over-subscribed threads under load collapsed to 1-9 tokens/s.
 * On first load of a model, decode speed is timed at 1..N threads in interleaved rounds; more threads are kept only
 * when they win clearly in every round, and only a clear choice is cached per device and model (one short probe per
 * count on a busy machine once picked 1 thread where 2 were faster for the rest of the run: docs/performance.md).
 *
 * A big model is not probed: every probe load reads the whole file again (4-6 loads of a 1 GB model on its first
 * load). Its thread count is learnt from the person's own chats instead: each load tries the next count that lacks
 * samples, every chat long enough records its decode speed, and once every count has enough the choice is made with
 * the same rule and cached. No extra load at all.
 */
import { createStore, del, get, set } from 'idb-keyval'

export interface ThreadSample {
  threads: number
  /** Decode speed measured at this thread count. */
  tokensPerSecond: number
}

export type ThreadSource = 'setting' | 'measured' | 'cached' | 'single' | 'learning'

export interface ThreadChoice {
  threads: number
  source: ThreadSource
  /** The measurements behind a `measured` or `cached` choice (the median of each count's rounds). */
  samples?: ThreadSample[]
  /**
   * A `measured` choice that every round agreed on; an unclear one is not cached, so the next load measures again
   * (at most {@link MAX_UNCLEAR_PROBES} loads in all).
   */
  isClear?: boolean
  /** Set when unclear probes on this many loads were settled into one cached choice ({@link settleProbe}). */
  settledAfterProbes?: number
}

/**
 * Models from this size on learn their thread count from chats instead of probe loads. 32 MiB: the probe loads the
 * file 4-6 times, and for the 94 MiB instruct model a newcomer's first message downloads, that made the first load
 * take 119 s on a busy 2-core machine (a newcomer's test run; one of three runs hit the load watchdog), where a single
 * load takes a few seconds. Learning starts at half the cores ({@link startThreads}).
 */
export const PROBE_MAX_BYTES = 32 * 2 ** 20
/** Chats recorded per thread count before a big model's choice is made. */
export const USE_SAMPLES_NEEDED = 3
/** A chat shorter than this says little about decode speed and is not recorded. */
export const MIN_SAMPLE_TOKENS = 16

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

/**
 * Probe loads whose rounds disagree before their combined figures are cached anyway. 3: a clean CI run on a busy
 * 2-core runner (2026-11-30) stayed unclear over 4 loads in a row, and every unclear load probes again (loading the
 * file 4-6 times): on a machine whose load keeps changing, that cost was paid on every load, for good.
 */
export const MAX_UNCLEAR_PROBES = 3

/**
 * What to cache after a probe, and the choice to use now. A clear choice is cached as it is. An unclear one is kept
 * aside; once {@link MAX_UNCLEAR_PROBES} probes of this device and model were unclear, their figures are combined (the
 * median of each count's per-probe medians) and the choice is made from them as a big model's chats are: more threads
 * only when faster by `margin` than the fewer threads' kept count. That choice is cached (`settledAfterProbes`).
 * @param key {@link probeKey} of the device and model
 * @returns the choice to load with now
 */
export async function settleProbe(key: string, choice: ThreadChoice, margin = 0.05): Promise<ThreadChoice> {
  if (choice.source !== 'measured')
    return choice
  if (choice.isClear) {
    await saveChoice(key, choice)
    return choice
  }
  const unclearKey = `${key}:unclear`
  const probes = [...(await get<ThreadSample[][]>(unclearKey, store())) ?? [], choice.samples ?? []]
  if (probes.length < MAX_UNCLEAR_PROBES) {
    await set(unclearKey, probes, store())
    return choice
  }
  const counts = [...new Set(probes.flat().map(s => s.threads))].sort((a, b) => a - b)
  const samples = counts.map(t => ({ threads: t, tokensPerSecond: median(probes.flat().filter(s => s.threads === t).map(s => s.tokensPerSecond)) }))
  let best = samples[0] ?? { threads: choice.threads, tokensPerSecond: 0 }
  for (const s of samples.slice(1)) {
    if (s.tokensPerSecond >= best.tokensPerSecond * (1 + margin))
      best = s
  }
  const settled: ThreadChoice = { threads: best.threads, source: 'measured', samples, isClear: false, settledAfterProbes: probes.length }
  await saveChoice(key, settled)
  await del(unclearKey, store())
  return settled
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

/** Decode speeds from real chats, per thread count, for one device and model (the newest few of each). */
export type UseSamples = Record<number, number[]>

/**
 * A count whose decode speed is below this share of the best settled count's is dropped after ONE chat, and no higher
 * count is tried after it. 0.5: a newcomer on a busy 2-core machine had 7-11 tok/s on 1 thread, then 0.7-1.0 on 2 for
 * the three chats the learner asked for (a 256-token reply took about 6 minutes); 1 thread alone varied 7-11 tok/s
 * between chats there (within 0.75-1.2x of its median), so below half is clearly slower, not noise.
 */
export const SLOW_RATIO = 0.5

/**
 * The count a big model's learning starts at, and the one its first chats run at: half the cores offered (at least 1),
 * as wllama itself defaults (`Math.floor(navigator.hardwareConcurrency / 2)` in `Wllama.loadModel`, 3.8.1), which is
 * llama.cpp's own default of the physical cores on a machine with two hardware threads per core. 1 on this project's
 * 2-core machine, where the probe picked 1 anyway; 4 on an 8-core laptop, whose first chats ran at 1 thread before.
 * @param max the most threads worth trying ({@link maxProbeThreads})
 */
export function startThreads(max: number): number {
  return Math.max(1, Math.floor(max / 2))
}

/**
 * The counts a big model's learning tries: the start, half of it and twice it (within 1..max), in ascending order. Three
 * counts at most: learning every count from 1 to 8 took 24 chats on an 8-core machine, the first three at 1 thread.
 */
export function learnCounts(max: number): number[] {
  const start = startThreads(max)
  return [...new Set([Math.max(1, Math.floor(start / 2)), start, Math.min(max, start * 2)])].sort((a, b) => a - b)
}

/**
 * A big model's thread count from its chats. The start count ({@link startThreads}) is tried first, then the fewer
 * counts of {@link learnCounts} (downward), then the more (upward); the first count with fewer than
 * USE_SAMPLES_NEEDED samples is the next to try (`learning`). Once every count tried has them, the choice is made in
 * ascending order: more threads are kept only when their median is faster by `margin` than the fewer threads'
 * (`measured`); a tie goes to fewer threads (the medians of real chats are settled enough to cache, and fewer threads
 * leave the page more room). More threads are never assumed to be faster: a count whose chats so far (even one) run
 * below SLOW_RATIO of the best settled count is dropped at once, and the counts beyond it in that direction are not
 * tried (on a busy machine more threads only contend more; fewer than a count that is already twice as slow will not
 * win).
 */
export function chooseFromUse(max: number, samples: UseSamples, margin = 0.05): ThreadChoice {
  const counts = learnCounts(max)
  const start = startThreads(max)
  const summary = counts.filter(t => samples[t]?.length).map(t => ({ threads: t, tokensPerSecond: median(samples[t]!) }))
  const settled = (t: number) => (samples[t]?.length ?? 0) >= USE_SAMPLES_NEEDED
  const medianOf = (t: number) => summary.find(s => s.threads === t)?.tokensPerSecond
  const kept: number[] = []
  const bestSettled = () => Math.max(...kept.map(t => medianOf(t)!))
  const learning = (t: number): ThreadChoice => ({ threads: t, source: 'learning', ...(summary.length && { samples: summary }) })
  if (!settled(start))
    return learning(start)
  kept.push(start)
  for (const direction of [counts.filter(t => t < start).reverse(), counts.filter(t => t > start)]) {
    for (const t of direction) {
      const m = medianOf(t)
      if (m !== undefined && m < bestSettled() * SLOW_RATIO)
        break
      if (!settled(t))
        return learning(t)
      kept.push(t)
    }
  }
  let best: ThreadSample | undefined
  for (const t of kept.sort((a, b) => a - b)) {
    const measured = { threads: t, tokensPerSecond: medianOf(t)! }
    if (!best || measured.tokensPerSecond >= best.tokensPerSecond * (1 + margin))
      best = measured
  }
  return { threads: best!.threads, source: 'measured', samples: summary, isClear: true }
}

const useStore = () => createStore('local-ai-engine-use', 'thread-use')

export async function useSamples(key: string): Promise<UseSamples> {
  return (await get<UseSamples>(key, useStore())) ?? {}
}

/** Records one chat's decode speed at `threads`, keeping the newest USE_SAMPLES_NEEDED + 2 of each count. */
export async function recordUse(key: string, threads: number, tokensPerSecond: number): Promise<void> {
  const samples = await useSamples(key)
  samples[threads] = [...(samples[threads] ?? []), tokensPerSecond].slice(-(USE_SAMPLES_NEEDED + 2))
  await set(key, samples, useStore())
}
