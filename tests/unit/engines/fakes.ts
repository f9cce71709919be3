/**
 * Shared fakes for the engine tests: a scripted WorkerEngine and a worker made of a MessageChannel and a real
 * `createWorkerHandler`. The one copy every engine test uses.
 */
import { expect } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import type { ChatCall, LoadedModel, LoadRequest, WorkerEvent, WorkerRequest } from '../../../src/contract/messages'
import { RequestQueue } from '../../../src/workers/inference/request-queue'
import type { ChatChunk, ChatRequest, ChatSummary, ModelRef, Progress } from '../../../src/contract/types'
import type { Endpoint } from '../../../src/services/local/worker-client'
import type { ChatRun, WorkerEngine } from '../../../src/workers/inference/worker-engine'
import { createWorkerHandler } from '../../../src/workers/inference/worker-handler'

export const STORIES: ModelRef = { id: 'ggml-org/models/stories260K.gguf', repo: 'ggml-org/models', file: 'stories260K.gguf' }
export const LOAD: LoadRequest = { model: STORIES, fileName: 'stories260K.gguf', nCtx: 512 }

export interface Turn {
  deltas: string[]
  /** Stop after this many deltas until `release(prompt)` or the signal aborts. */
  holdAfter?: number
  /** Thrown after the deltas. */
  failWith?: AppError
  /** Keep holding when the signal aborts (an engine that breaks the contract); only `release` ends the hold. */
  ignoresAbort?: boolean
  /** After an abort, keep working this long before returning, as wllama does (one more poll, then a cancel). */
  windDownMs?: number
  /** How the reply ends; default 'length' (the scripted deltas stop at the token limit). */
  finishReason?: ChatSummary['finishReason']
  /** Chat template or text continuation; default 'completion' (a story model). */
  mode?: ChatSummary['mode']
}

export const DEFAULT_DELTAS = ['Once', ' upon', ' a', ' time']

/** Resolves after `ms`, or rejects with AppError 'aborted' as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted)
      return reject(new AppError('aborted'))
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AppError('aborted'))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** An engine whose answers are scripted per prompt (the last message's content). */
export class ScriptedEngine implements WorkerEngine {
  model: LoadedModel | null = null
  readonly turns = new Map<string, Turn>()
  /** Every load request, in order, as the engine received it. */
  readonly loads: LoadRequest[] = []
  /** Every chat the engine was asked to run, in order. */
  readonly seen: Array<{ prompt: string, queueWaitMs: number }> = []
  unloadCount = 0
  /** How each chat ended inside the engine: 'done' or the error code. */
  readonly outcomes: Array<{ prompt: string, outcome: string }> = []
  /** The summaries the engine returned, in order. */
  readonly summaries: ChatSummary[] = []
  private readonly releases = new Map<string, () => void>()
  private active = 0
  /** The most calls (load, chat, unload) the engine was in at once. A real engine must never see more than 1. */
  maxConcurrentCalls = 0

  /** Counts the calls the engine is in, so tests can check it was never asked to do two things at once. */
  private async inCall<T>(call: () => Promise<T>): Promise<T> {
    this.maxConcurrentCalls = Math.max(this.maxConcurrentCalls, ++this.active)
    try {
      return await call()
    }
    finally {
      this.active--
    }
  }

  load(req: LoadRequest, _opts?: { onProgress?: (p: Progress) => void }): Promise<LoadedModel> {
    return this.inCall(() => this.loadNow(req))
  }

  private async loadNow(req: LoadRequest): Promise<LoadedModel> {
    this.loads.push(req)
    await new Promise(r => setTimeout(r, 1))
    this.model = {
      model: req.model,
      hasChatTemplate: false,
      nCtx: req.nCtx ?? 2048,
      nCtxTrain: 512,
      threads: 1,
      threadSource: 'single',
      isMultithread: false,
      backend: 'cpu',
      gpuLayers: 0,
      notes: [],
      estimatedMemoryBytes: 1_185_376,
      loadMs: 7,
    }
    return this.model
  }

  chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    return this.inCall(() => this.chatNow(req, run))
  }

  private async chatNow(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    const prompt = req.messages.at(-1)?.content ?? ''
    const turn = this.turns.get(prompt) ?? { deltas: DEFAULT_DELTAS }
    this.seen.push({ prompt, queueWaitMs: run.queueWaitMs })
    try {
      const summary = await this.play(prompt, turn, run)
      this.outcomes.push({ prompt, outcome: 'done' })
      this.summaries.push(summary)
      return summary
    }
    catch (err) {
      if (turn.windDownMs)
        await new Promise(r => setTimeout(r, turn.windDownMs))
      this.outcomes.push({ prompt, outcome: err instanceof AppError ? err.code : String(err) })
      throw err
    }
  }

  private async play(prompt: string, turn: Turn, run: ChatRun): Promise<ChatSummary> {
    for (const [i, text] of turn.deltas.entries()) {
      if (i === turn.holdAfter)
        await this.hold(prompt, turn, run.signal)
      await pause(2, run.signal)
      run.onDelta(text)
    }
    if (turn.holdAfter === turn.deltas.length)
      await this.hold(prompt, turn, run.signal)
    if (turn.failWith)
      throw turn.failWith
    return { ...summaryOf(turn.deltas, run.queueWaitMs), ...(turn.finishReason && { finishReason: turn.finishReason }), ...(turn.mode && { mode: turn.mode }) }
  }

  unload(): Promise<void> {
    return this.inCall(async () => {
      this.unloadCount++
      this.model = null
    })
  }

  /** Lets a held turn go on. */
  release(prompt: string): void {
    const release = this.releases.get(prompt)
    if (!release)
      throw new Error(`"${prompt}" is not held`)
    this.releases.delete(prompt)
    release()
  }

  isHolding(prompt: string): boolean {
    return this.releases.has(prompt)
  }

  private hold(prompt: string, turn: Turn, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.releases.set(prompt, resolve)
      if (!turn.ignoresAbort)
        signal.addEventListener('abort', () => reject(new AppError('aborted')), { once: true })
    })
  }
}

export function summaryOf(deltas: string[], queueWaitMs = 0): ChatSummary {
  return {
    text: deltas.join(''),
    finishReason: 'length',
    mode: 'completion',
    metrics: {
      engine: 'wllama',
      threads: 1,
      queueWaitMs,
      timeToFirstTokenMs: 3,
      promptTokens: 5,
      cachedTokens: 0,
      completionTokens: deltas.length,
      prefillTokensPerSecond: 500,
      decodeTokensPerSecond: 250,
      totalMs: 20,
    },
  }
}

export function chatCall(prompt: string, modelId = STORIES.id): ChatCall {
  return { modelId, messages: [{ role: 'user', content: prompt }], sampling: { temperature: 0, maxTokens: 8 } }
}

/** The AppError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  }
  catch (err) {
    expect(err).toBeInstanceOf(AppError)
    return err as AppError
  }
  throw new Error('expected a rejection, got a result')
}

export async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = []
  for await (const chunk of stream)
    chunks.push(chunk)
  return chunks
}

/** The deltas' texts, and 'DONE' for the final chunk. */
export function texts(chunks: ChatChunk[]): string[] {
  return chunks.map(c => c.type === 'delta' ? c.text : 'DONE')
}

export interface FakeWorker {
  engine: ScriptedEngine
  /** What the UI side talks to, as it would a Worker. */
  endpoint: Endpoint
  /** The UI side of the channel: where a Worker's 'error' events would come from. */
  port: MessagePort
  isTerminated: () => boolean
}

const openPorts: MessagePort[] = []

/** Closes every port opened by {@link fakeWorker}; call it in afterEach. */
export function closeFakeWorkers(): void {
  for (const port of openPorts.splice(0))
    port.close()
}

/** A "worker": a MessageChannel whose far side runs a real createWorkerHandler over `engine`. */
export function fakeWorker(engine = new ScriptedEngine(), queue = new RequestQueue(), opts: { windDownMs?: number } = {}): FakeWorker {
  const handler = createWorkerHandler(engine, { queue, ...opts })
  const { port1, port2 } = new MessageChannel()
  openPorts.push(port1, port2)

  // Worker side: what src/workers/inference/inference.worker.ts does with `self`.
  port2.addEventListener('message', (ev) => {
    handler((ev as MessageEvent<WorkerRequest>).data, (event: WorkerEvent) => port2.postMessage(event))
  })
  port2.start()

  // UI side. Node's ports only deliver to addEventListener after start().
  let terminated = false
  const endpoint: Endpoint = {
    postMessage: (message, transfer) => port1.postMessage(message, transfer ?? []),
    addEventListener: (type, listener) => {
      port1.addEventListener(type, listener)
      port1.start()
    },
    removeEventListener: (type, listener) => port1.removeEventListener(type, listener),
    terminate: () => {
      terminated = true
      port1.close()
    },
  }
  return { engine, endpoint, port: port1, isTerminated: () => terminated }
}
