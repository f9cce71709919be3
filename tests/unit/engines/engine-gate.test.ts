/** EngineGate: one engine call at a time, a cancelled call waited for, a stuck one reported as `engine_stuck`. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EngineGate } from '../../../src/workers/inference/engine-gate'
import { mulberry32 } from '../../seeded-random'
import { rejection } from './fakes'

afterEach(() => {
  vi.useRealTimers()
})

/** A call that returns when `finish()` is called, recording when it started. */
function controllable(log: string[], name: string) {
  let finish!: (value: string) => void
  const call = () => {
    log.push(`start ${name}`)
    return new Promise<string>((resolve) => {
      finish = (value) => {
        log.push(`end ${name}`)
        resolve(value)
      }
    })
  }
  return { call, finish: (value = name) => finish(value) }
}

const tick = () => new Promise(r => setTimeout(r, 0))

describe('EngineGate', () => {
  it('starts a call only after the previous one returned, in the order they came', async () => {
    const gate = new EngineGate(1000)
    const log: string[] = []
    const a = controllable(log, 'a')
    const b = controllable(log, 'b')
    const c = controllable(log, 'c')
    const results = [gate.run(a.call), gate.run(b.call), gate.run(c.call)]
    await tick()
    expect(log).toEqual(['start a'])
    a.finish()
    await tick()
    expect(log).toEqual(['start a', 'end a', 'start b'])
    b.finish()
    await tick()
    c.finish()
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(gate.maxConcurrent).toBe(1)
  })

  it('a call that failed frees the gate like one that returned', async () => {
    const gate = new EngineGate(1000)
    const failed = gate.run(() => Promise.reject(new Error('boom')))
    const next = gate.run(async () => 'next')
    await expect(failed).rejects.toThrow('boom')
    expect(await next).toBe('next')
  })

  it('a call whose signal aborts while it waits never runs, and the ones behind it still wait their turn', async () => {
    const gate = new EngineGate(1000)
    const log: string[] = []
    const first = controllable(log, 'first')
    const behind = controllable(log, 'behind')
    void gate.run(first.call)
    const waiting = new AbortController()
    const cancelled = gate.run(async () => {
      log.push('cancelled ran')
      return 'no'
    }, waiting.signal)
    const third = gate.run(behind.call)
    await tick()
    waiting.abort()
    expect((await rejection(cancelled)).code).toBe('aborted')
    await tick()
    expect(log).toEqual(['start first'])
    first.finish()
    await vi.waitFor(() => expect(log).toEqual(['start first', 'end first', 'start behind']))
    behind.finish()
    expect(await third).toBe('behind')
  })

  it('an already aborted signal is refused at once', async () => {
    const gate = new EngineGate(1000)
    const call = vi.fn(async () => 'x')
    expect((await rejection(gate.run(call, AbortSignal.abort()))).code).toBe('aborted')
    expect(call).not.toHaveBeenCalled()
  })

  it('a call that does not return within the wind-down time makes the next one fail with engine_stuck; once it returns, calls run again', async () => {
    vi.useFakeTimers()
    const gate = new EngineGate(5000)
    const log: string[] = []
    const stuck = controllable(log, 'stuck')
    void gate.run(stuck.call)
    const next = vi.fn(async () => 'next')
    const waiting = gate.run(next)
    const caught = rejection(waiting)
    await vi.advanceTimersByTimeAsync(4999)
    expect(next).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    const error = await caught
    expect(error.code).toBe('engine_stuck')
    expect(next).not.toHaveBeenCalled()

    stuck.finish()
    await vi.advanceTimersByTimeAsync(0)
    expect(await gate.run(async () => 'after')).toBe('after')
    expect(gate.maxConcurrent).toBe(1)
  })

  it('never runs two calls at once under random timings, failures and cancels', async () => {
    const gate = new EngineGate(1000)
    const rnd = mulberry32(7)
    let active = 0
    let most = 0
    const outcomes: Record<string, number> = {}
    await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const controller = new AbortController()
      if (rnd() < 0.3)
        setTimeout(() => controller.abort(), Math.floor(rnd() * 5))
      const ms = Math.floor(rnd() * 3)
      const fails = rnd() < 0.2
      try {
        await gate.run(async () => {
          most = Math.max(most, ++active)
          await new Promise(r => setTimeout(r, ms))
          active--
          if (fails)
            throw new Error(`call ${i} failed`)
          return i
        }, controller.signal)
        outcomes.done = (outcomes.done ?? 0) + 1
      }
      catch (err) {
        const key = err instanceof Error && 'code' in err ? String(err.code) : 'failed'
        outcomes[key] = (outcomes[key] ?? 0) + 1
      }
    }))
    expect(most).toBe(1)
    expect(gate.maxConcurrent).toBe(1)
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(200)
    expect(outcomes.done).toBeGreaterThan(0)
    expect(outcomes.failed).toBeGreaterThan(0)
    expect(outcomes.aborted).toBeGreaterThan(0)
  })
})
