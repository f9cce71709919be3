/// <reference types="vite/client" />
/**
 * Test-only page: the production inference worker (src/workers/inference/inference.worker.ts, created by the production
 * worker client) with real wllama on stories260K.gguf, driven hard: hundreds of chat requests through its queue with
 * random cancels and per-request timeouts. The spec calls `window.soak.run(...)` and checks every request settled
 * exactly once and the worker still answers.
 */
import { InferenceConnection } from '../../../src/services/local/inference-connection'
import type { ModelRef } from '../../../src/contract/types'
import { createModelWritable } from '../../../src/models/opfs-store'
import { toAppError } from '../../../src/shared/errors'
import { mulberry32 } from '../../seeded-random'

const MODEL: ModelRef = { id: 'local/models/stories260K.gguf', repo: 'local/models', file: 'stories260K.gguf' }
const FILE = 'soak-stories260K.gguf'
const connection = new InferenceConnection()

export interface SoakReport {
  requests: number
  /** How many times each request settled (resolved or rejected); every entry must be 1. */
  settleCounts: number[]
  outcomes: Record<string, number>
  finalAnswer: string
}


/** Live counters, so a spec that waits too long can say where the run stands. */
const progress = { started: 0, settled: 0, phase: 'idle' as 'idle' | 'requests' | 'final' | 'done' }

async function one(i: number, rnd: () => number, settled: number[], outcomes: Record<string, number>): Promise<void> {
  const controller = new AbortController()
  const roll = rnd()
  // A quarter are cancelled at a random moment, a quarter get a timeout too short to finish; the rest run out.
  if (roll < 0.25)
    setTimeout(() => controller.abort(), Math.floor(rnd() * 20))
  const timeoutMs = roll >= 0.25 && roll < 0.5 ? 1 + Math.floor(rnd() * 15) : undefined
  let outcome = 'answered'
  progress.started++
  try {
    const stream = connection.chat({ modelId: MODEL.id, messages: [{ role: 'user', content: 'Once upon a time' }], sampling: { maxTokens: 4 + Math.floor(rnd() * 8), temperature: 0.8, seed: i }, ...(timeoutMs && { timeoutMs }) }, { signal: controller.signal })
    for await (const chunk of stream) {
      if (chunk.type === 'done')
        outcome = chunk.summary.finishReason
    }
  }
  catch (err) {
    outcome = toAppError(err, 'unknown').code
  }
  progress.settled++
  settled[i] = (settled[i] ?? 0) + 1
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
}

async function run(opts: { requests: number, seed: number, concurrency: number }): Promise<SoakReport> {
  const rnd = mulberry32(opts.seed)
  const settled: number[] = Array.from({ length: opts.requests }, () => 0)
  const outcomes: Record<string, number> = {}
  let next = 0
  progress.phase = 'requests'
  // A few callers at once keep the queue non-empty, so cancels and timeouts also hit waiting requests.
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.requests)
      await one(next++, rnd, settled, outcomes)
  }))
  progress.phase = 'final'
  let finalAnswer = ''
  for await (const chunk of connection.chat({ modelId: MODEL.id, messages: [{ role: 'user', content: 'Once upon a time' }], sampling: { maxTokens: 16, temperature: 0 } })) {
    if (chunk.type === 'delta')
      finalAnswer += chunk.text
  }
  progress.phase = 'done'
  return { requests: opts.requests, settleCounts: settled, outcomes, finalAnswer }
}

async function setup(): Promise<void> {
  const bytes = await (await fetch('./models/stories260K.gguf')).arrayBuffer()
  const writable = await createModelWritable(FILE)
  await writable.write(bytes)
  await writable.close()
  await connection.load({ model: MODEL, fileName: FILE, nCtx: 512, nThreads: 1, nGpuLayers: 0 })
}

declare global {
  interface Window { soak: { run: typeof run, progress: typeof progress } }
}
window.soak = { run, progress }
setup().then(() => { document.getElementById('state')!.textContent = 'ready' }, (err: unknown) => {
  document.getElementById('state')!.textContent = `failed: ${String(err)}`
})
