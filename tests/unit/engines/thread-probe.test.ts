/**
 * The thread probe's decisions, and the samples a big model learns from (in fake-indexeddb). The cache of choices in
 * the real browser is covered by tests/e2e/engine.spec.ts ("measured on first load, cached after", "a big model…").
 */
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_UNCLEAR_PROBES, USE_SAMPLES_NEEDED, cachedChoice, chooseFromUse, fastest, learnCounts, startThreads, maxProbeThreads, probeKey, probeThreads, recordUse, settleProbe, useSamples, type ThreadChoice } from '../../../src/workers/inference/wllama/thread-probe'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('maxProbeThreads', () => {
  it('tries every core, at least 1 and at most 8', () => {
    expect(maxProbeThreads(1)).toBe(1)
    expect(maxProbeThreads(2)).toBe(2)
    expect(maxProbeThreads(6)).toBe(6)
    expect(maxProbeThreads(16)).toBe(8)
    expect(maxProbeThreads(0)).toBe(1)
  })
})

describe('fastest', () => {
  it('picks the highest decode speed', () => {
    expect(fastest([{ threads: 1, tokensPerSecond: 40 }, { threads: 2, tokensPerSecond: 75 }, { threads: 3, tokensPerSecond: 60 }]))
      .toEqual({ threads: 2, tokensPerSecond: 75 })
  })

  it('gives a tie to fewer threads', () => {
    expect(fastest([{ threads: 1, tokensPerSecond: 100 }, { threads: 2, tokensPerSecond: 100 }, { threads: 3, tokensPerSecond: 100 }]).threads).toBe(1)
    expect(fastest([{ threads: 1, tokensPerSecond: 50 }, { threads: 2, tokensPerSecond: 90 }, { threads: 4, tokensPerSecond: 90 }]).threads).toBe(2)
  })

  it('refuses an empty list', () => {
    expect(() => fastest([])).toThrow('at least one sample')
  })
})

describe('probeThreads', () => {
  it('measures 1..max then max..1 and keeps the fastest (the 2-core machine: 1 thread beats 2)', async () => {
    const speeds: Record<number, number> = { 1: 125, 2: 60 }
    const measure = vi.fn(async (t: number) => speeds[t]!)
    const choice = await probeThreads(2, measure)
    expect(choice).toEqual({
      threads: 1,
      source: 'measured',
      samples: [{ threads: 1, tokensPerSecond: 125 }, { threads: 2, tokensPerSecond: 60 }],
      isClear: true,
    })
    expect(measure.mock.calls.map(([t]) => t)).toEqual([1, 2, 2, 1])
  })

  it('picks more threads when they are clearly faster in every round', async () => {
    const choice = await probeThreads(4, async t => [0, 30, 55, 80, 70][t]!)
    expect(choice).toMatchObject({ threads: 3, isClear: true })
    expect(choice.samples?.map(s => s.threads)).toEqual([1, 2, 3, 4])
  })

  it('keeps fewer threads when more are faster by less than the margin', async () => {
    const choice = await probeThreads(2, async t => (t === 1 ? 100 : 103))
    expect(choice).toMatchObject({ threads: 1, isClear: true })
  })

  it('does not follow one noisy round: measures a third, and a split vote is marked unclear', async () => {
    // 1 thread measured during a burst of load in round 1 only (calls: 1, 2 | 2, 1 | 1, 2).
    const seq = [40, 100, 100, 98, 96, 100]
    const measure = vi.fn(async () => seq.shift()!)
    const choice = await probeThreads(2, measure)
    expect(measure).toHaveBeenCalledTimes(6)
    expect(choice.isClear).toBe(false)
    expect(choice.samples).toEqual([{ threads: 1, tokensPerSecond: 96 }, { threads: 2, tokensPerSecond: 100 }])
    expect(choice.threads).toBe(2)
  })

  it('stops after the first two rounds when they agree', async () => {
    const measure = vi.fn(async (t: number) => (t === 2 ? 150 : 100))
    expect(await probeThreads(2, measure)).toMatchObject({ threads: 2, isClear: true })
    expect(measure).toHaveBeenCalledTimes(4)
  })

  it('skips a thread count whose measurement fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const choice = await probeThreads(3, async (t) => {
      if (t === 2)
        throw new Error('probe load ran out of memory')
      return t === 1 ? 40 : 90
    })
    expect(choice).toEqual({
      threads: 3,
      source: 'measured',
      samples: [{ threads: 1, tokensPerSecond: 40 }, { threads: 3, tokensPerSecond: 90 }],
      isClear: true,
    })
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]?.[0]).toContain('2 threads')
  })

  it('falls back to 1 thread, source single, when every measurement fails', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const measure = vi.fn(async (): Promise<number> => {
      throw new Error('no SharedArrayBuffer')
    })
    expect(await probeThreads(4, measure)).toEqual({ threads: 1, source: 'single' })
    expect(measure).toHaveBeenCalledTimes(4)
  })
})

describe('settleProbe (what a probe leaves in the cache)', () => {
  const unclear = (one: number, two: number): ThreadChoice => ({
    threads: one >= two ? 1 : 2, source: 'measured', isClear: false,
    samples: [{ threads: 1, tokensPerSecond: one }, { threads: 2, tokensPerSecond: two }],
  })

  it('caches a clear choice at once', async () => {
    const key = probeKey(2, 'clear.gguf', 1)
    const choice: ThreadChoice = { threads: 2, source: 'measured', isClear: true, samples: [{ threads: 1, tokensPerSecond: 50 }, { threads: 2, tokensPerSecond: 90 }] }
    expect(await settleProbe(key, choice)).toBe(choice)
    expect(await cachedChoice(key)).toEqual({ ...choice, source: 'cached' })
  })

  it('measures an unclear choice again on the next loads, and caches the combined figures after MAX_UNCLEAR_PROBES of them', async () => {
    // The busy CI runner's case: the rounds disagreed on every load, and each load probed again.
    const key = probeKey(2, 'busy.gguf', 1)
    const probes = [unclear(100, 98), unclear(95, 120), unclear(96, 60)]
    for (const probe of probes.slice(0, MAX_UNCLEAR_PROBES - 1)) {
      expect(await settleProbe(key, probe)).toBe(probe)
      expect(await cachedChoice(key)).toBeUndefined()
    }
    // 1 thread: median 96 of (100, 95, 96); 2 threads: median 98 of (98, 120, 60), under 5 % faster: fewer threads hold.
    const settled = await settleProbe(key, probes[MAX_UNCLEAR_PROBES - 1]!)
    expect(settled).toEqual({
      threads: 1, source: 'measured', isClear: false, settledAfterProbes: MAX_UNCLEAR_PROBES,
      samples: [{ threads: 1, tokensPerSecond: 96 }, { threads: 2, tokensPerSecond: 98 }],
    })
    expect(await cachedChoice(key)).toEqual({ ...settled, source: 'cached' })
    // More threads clearly faster over the probes: they are kept.
    const other = probeKey(2, 'busy-but-faster.gguf', 1)
    for (const probe of [unclear(50, 90), unclear(60, 55), unclear(50, 100)])
      await settleProbe(other, probe)
    expect(await cachedChoice(other)).toMatchObject({ threads: 2, settledAfterProbes: 3 })
  })

  it('leaves a choice that was not measured alone', async () => {
    const key = probeKey(2, 'single.gguf', 1)
    expect(await settleProbe(key, { threads: 1, source: 'single' })).toEqual({ threads: 1, source: 'single' })
    expect(await cachedChoice(key)).toBeUndefined()
  })
})

describe('probeKey', () => {
  it('keys the cache by core count, file name and file size', () => {
    expect(probeKey(2, 'stories260K.gguf', 1_185_376)).toBe('2:stories260K.gguf:1185376')
    expect(probeKey(4, 'stories260K.gguf', 1_185_376)).not.toBe(probeKey(2, 'stories260K.gguf', 1_185_376))
  })
})

describe('fastest with unsorted samples', () => {
  it('gives a tie to fewer threads whatever the order', () => {
    expect(fastest([{ threads: 4, tokensPerSecond: 50 }, { threads: 2, tokensPerSecond: 50 }]).threads).toBe(2)
  })
})

describe('chooseFromUse (big models learn from their chats)', () => {
  const three = (v: number) => [v, v, v]

  it('starts at half the cores (as wllama defaults) and tries half and twice that: three counts at most', () => {
    expect([1, 2, 4, 6, 8, 16].map(c => startThreads(maxProbeThreads(c)))).toEqual([1, 1, 2, 3, 4, 4])
    expect(learnCounts(maxProbeThreads(1))).toEqual([1])
    expect(learnCounts(maxProbeThreads(2))).toEqual([1, 2])
    expect(learnCounts(maxProbeThreads(4))).toEqual([1, 2, 4])
    expect(learnCounts(maxProbeThreads(6))).toEqual([1, 3, 6])
    expect(learnCounts(maxProbeThreads(8))).toEqual([2, 4, 8])
    expect(learnCounts(maxProbeThreads(16))).toEqual([2, 4, 8])
    // An 8-core laptop's first chats run at 4 threads, not 1.
    expect(chooseFromUse(8, {})).toEqual({ threads: 4, source: 'learning' })
  })

  it('tries the start count first, then fewer, then more, each until it has its samples', () => {
    expect(chooseFromUse(2, {})).toEqual({ threads: 1, source: 'learning' })
    expect(chooseFromUse(2, { 1: [100, 110] })).toMatchObject({ threads: 1, source: 'learning' })
    expect(chooseFromUse(2, { 1: three(100) })).toEqual({ threads: 2, source: 'learning', samples: [{ threads: 1, tokensPerSecond: 100 }] })
    expect(chooseFromUse(8, { 4: three(100) }).threads).toBe(2)
    expect(chooseFromUse(8, { 4: three(100), 2: three(80) }).threads).toBe(8)
    expect(chooseFromUse(4, { 1: three(100), 2: three(150) }).threads).toBe(4)
  })

  it('once every count has its samples, keeps more threads only on a clear win of the medians', () => {
    expect(chooseFromUse(2, { 1: three(100), 2: [150, 20, 160] })).toEqual({
      threads: 2, source: 'measured', isClear: true,
      samples: [{ threads: 1, tokensPerSecond: 100 }, { threads: 2, tokensPerSecond: 150 }],
    })
    // Within the margin: a tie goes to fewer threads.
    expect(chooseFromUse(2, { 1: three(100), 2: three(104) })).toMatchObject({ threads: 1, source: 'measured', isClear: true })
    expect(chooseFromUse(2, { 1: three(125), 2: three(60) })).toMatchObject({ threads: 1, source: 'measured' })
    expect(chooseFromUse(4, { 1: three(50), 2: three(90), 4: three(120) })).toMatchObject({ threads: 4, source: 'measured' })
    expect(chooseFromUse(8, { 2: three(70), 4: three(100), 8: three(103) })).toMatchObject({ threads: 4, source: 'measured' })
  })

  it('drops a count clearly slower than the best settled one after ONE chat, and tries no count beyond it', () => {
    // The newcomer's case: 1 thread at 7-11 tok/s, then 2 threads at 0.7 tok/s; the learner asked for 2 more chats.
    expect(chooseFromUse(2, { 1: [7, 11, 9] })).toMatchObject({ threads: 2, source: 'learning' })
    expect(chooseFromUse(2, { 1: [7, 11, 9], 2: [0.7] })).toEqual({
      threads: 1, source: 'measured', isClear: true,
      samples: [{ threads: 1, tokensPerSecond: 9 }, { threads: 2, tokensPerSecond: 0.7 }],
    })
    // Fewer threads collapsed: more are still tried; then more collapsed too: the start count is kept.
    expect(chooseFromUse(4, { 2: three(100), 1: [40] })).toMatchObject({ threads: 4, source: 'learning' })
    expect(chooseFromUse(4, { 2: three(100), 1: [40], 4: [30] })).toMatchObject({ threads: 2, source: 'measured' })
    // A slow count above a faster settled one: the best settled count is kept.
    expect(chooseFromUse(4, { 1: three(100), 2: three(150), 4: [60] })).toMatchObject({ threads: 2, source: 'measured' })
    // Slower, but not clearly (noise on a busy machine): it gets its full number of chats.
    expect(chooseFromUse(2, { 1: three(100), 2: [60] })).toMatchObject({ threads: 2, source: 'learning' })
  })

  it('recordUse keeps the newest samples per count, per device and model', async () => {
    const key = probeKey(2, 'big.gguf', 900_000_000)
    for (const tps of [10, 20, 30, 40, 50, 60, 70])
      await recordUse(key, 1, tps)
    await recordUse(key, 2, 99)
    expect(await useSamples(key)).toEqual({ 1: [30, 40, 50, 60, 70].slice(-(USE_SAMPLES_NEEDED + 2)), 2: [99] })
    expect(await useSamples(probeKey(2, 'other.gguf', 1))).toEqual({})
  })
})
