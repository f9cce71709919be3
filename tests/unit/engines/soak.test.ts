/**
 * Issue 8, item 3: a soak of 550 requests with random cancels, timeouts and engine failures through the real client,
 * handler and queue (over a MessageChannel, with the scripted engine). Every request settles exactly once (one
 * result or error event per id, nothing after it), memory does not grow with the number of requests, and a final
 * request succeeds. The figures are printed.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { mulberry32 } from '../../seeded-random'
import { afterEach, describe, expect, it } from 'vitest'
import { RequestQueue } from '../../../src/workers/inference/request-queue'
import { WorkerClient } from '../../../src/services/local/worker-client'
import { AppError } from '../../../src/shared/errors'
import type { WorkerEvent } from '../../../src/contract/messages'
import { DEFAULT_DELTAS, LOAD, chatCall, closeFakeWorkers, collect, fakeWorker, texts } from './fakes'

afterEach(() => closeFakeWorkers())

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void


async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise(r => setTimeout(r, 10))
  }
  return process.memoryUsage().heapUsed
}

function setup() {
  const queue = new RequestQueue({ maxDepth: 64 })
  const worker = fakeWorker(undefined, queue)
  worker.engine.turns.set('fails', { deltas: ['x'], failWith: new AppError('inference_failed') })
  // Like wllama, it takes a moment to return after an abort; the next request must wait for it.
  worker.engine.turns.set('hangs', { deltas: ['a', 'b', 'c'], holdAfter: 1, windDownMs: 3 })
  const client = new WorkerClient(worker.endpoint)
  // Every answer the worker sends, per request id: the "exactly once" ledger.
  const answers = new Map<string, number>()
  const late: string[] = []
  worker.port.addEventListener('message', (ev) => {
    const e = (ev as MessageEvent<WorkerEvent>).data
    if (!e.id)
      return
    if (e.type === 'result' || e.type === 'error')
      answers.set(e.id, (answers.get(e.id) ?? 0) + 1)
    else if (answers.has(e.id))
      late.push(`${e.type} after the answer of ${e.id}`)
  })
  return { queue, worker, client, answers, late }
}

type Kind = 'plain' | 'cancel' | 'timeout' | 'fails' | 'hangs'

async function soak(h: ReturnType<typeof setup>, count: number, rand: () => number, inFlight = 12) {
  const outcomes: Record<string, number> = {}
  const kinds: Record<Kind, number> = { plain: 0, cancel: 0, timeout: 0, fails: 0, hangs: 0 }
  let settled = 0
  const one = async () => {
    const r = rand()
    const kind: Kind = r < 0.45 ? 'plain' : r < 0.65 ? 'cancel' : r < 0.85 ? 'timeout' : r < 0.92 ? 'fails' : 'hangs'
    kinds[kind]++
    const abort = new AbortController()
    const call = { ...chatCall(kind === 'fails' || kind === 'hangs' ? kind : 'Once'), ...((kind === 'timeout' || kind === 'hangs') && { timeoutMs: 1 + Math.floor(rand() * 20) }) }
    if (kind === 'cancel')
      setTimeout(() => abort.abort(), Math.floor(rand() * 15))
    let outcome = 'done'
    try {
      await collect(h.client.chat(call, { signal: abort.signal }))
    }
    catch (err) {
      outcome = err instanceof AppError ? err.code : `not an AppError: ${String(err)}`
    }
    settled++
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  }
  let next = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < count)
      await one()
  }))
  return { settled, outcomes, kinds }
}

describe('soak: 550 requests with random cancels and timeouts', () => {
  it('settles every request exactly once, keeps memory flat, and still answers afterwards', async () => {
    const h = setup()
    await h.client.call('load', LOAD)
    const rand = mulberry32(8)
    await soak(h, 50, rand) // warm-up: JIT, pools and caches reach their steady size
    h.worker.engine.seen.length = h.worker.engine.outcomes.length = h.worker.engine.summaries.length = 0
    const before = await heapAfterGc()

    const run = await soak(h, 500, rand)
    h.worker.engine.seen.length = h.worker.engine.outcomes.length = h.worker.engine.summaries.length = 0
    await new Promise(r => setTimeout(r, 50)) // let the last abort messages arrive
    const after = await heapAfterGc()

    expect(run.settled).toBe(500)
    expect(Object.keys(run.outcomes).sort()).toEqual(['aborted', 'done', 'inference_failed', 'timeout'])
    const ids = [...h.answers.keys()].filter(id => id.startsWith('chat-'))
    expect(ids).toHaveLength(550)
    expect([...h.answers.values()].every(n => n === 1)).toBe(true)
    expect(h.late).toEqual([])
    expect(h.client.pendingCount).toBe(0)
    expect(h.queue.size).toBe(0)
    // The engine never had two calls at once, although cancelled calls were still winding down when the next began.
    expect(h.worker.engine.maxConcurrentCalls).toBe(1)
    const growthMiB = (after - before) / 2 ** 20
    expect(growthMiB).toBeLessThan(2)

    const final = await collect(h.client.chat(chatCall('Once')))
    expect(texts(final)).toEqual([...DEFAULT_DELTAS, 'DONE'])
    console.log([
      `soak: ${run.settled} requests settled (+50 warm-up), each answered exactly once by the worker`,
      `  kinds: ${JSON.stringify(run.kinds)}`,
      `  outcomes: ${JSON.stringify(run.outcomes)} (cancels: ${run.outcomes.aborted ?? 0}, timeouts: ${run.outcomes.timeout ?? 0})`,
      `  heap after GC: ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after (${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(2)} MiB)`,
      `  final request: ${texts(final).join('')}`,
    ].join('\n'))
  }, 120_000)
})
