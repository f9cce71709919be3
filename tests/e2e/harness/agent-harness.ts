/// <reference types="vite/client" />
/**
 * Test-only page: the production WllamaEngine (real llama.cpp in WebAssembly) on stories260K.gguf from OPFS,
 * wrapped as an AIService exactly as the worker does, driven by the production agent loop. The spec calls
 * `window.agentHarness.run(...)` and asserts on the transcript.
 */
import { runAgentTurn, type AgentTurn } from '../../../src/agent/react-loop'
import type { StrategyKind } from '../../../src/agent/strategies'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import type { AIService, ChatChunk, ChatRequest, ModelRef } from '../../../src/engines/types'
import { WllamaEngine } from '../../../src/engines/wllama/wllama-engine'
import { createModelWritable } from '../../../src/models/opfs-store'
import { AppError } from '../../../src/protocol/errors'

const MODEL: ModelRef = { id: 'local/models/stories260K.gguf', repo: 'local/models', file: 'stories260K.gguf' }
const FILE = 'harness-stories260K.gguf'

/** Every request the loop sent, with the raw text the model wrote: the spec checks structure on them. */
const exchanges: Array<{ req: ChatRequest, text: string }> = []

class EngineService implements AIService {
  readonly id = 'wllama' as const
  readonly capabilities = { isLocal: true, hasNativeToolCalls: false, maxContextTokens: 0, isStreaming: true, hasSchemaOutput: true }
  constructor(private readonly engine: WllamaEngine) {}
  async isSupported() {
    return { isSupported: true }
  }

  async initialize() {}
  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    const deltas: string[] = []
    const signal = opts.signal ?? new AbortController().signal
    const summary = await this.engine.chat(req, { signal, queueWaitMs: 0, onDelta: d => deltas.push(d) })
    exchanges.push({ req, text: summary.text })
    for (const text of deltas) yield { type: 'delta', text }
    if (signal.aborted)
      throw new AppError('aborted')
    yield { type: 'done', summary }
  }

  status() {
    return { state: 'ready' as const, model: MODEL }
  }

  async dispose() {}
}

const engine = new WllamaEngine()

async function setup(): Promise<void> {
  const bytes = await (await fetch('./models/stories260K.gguf')).arrayBuffer()
  const writable = await createModelWritable(FILE)
  await writable.write(bytes)
  await writable.close()
  await engine.load({ model: MODEL, fileName: FILE, nCtx: 2048, nThreads: 1, nGpuLayers: 0 })
}

interface RunOptions {
  strategy: StrategyKind
  prompt: string
  stepLimit?: number
  maxTokens?: number
  seed?: number
  /** Abort after this many milliseconds. */
  abortAfterMs?: number
}

async function run(o: RunOptions): Promise<{ turn: AgentTurn, exchanges: typeof exchanges }> {
  exchanges.length = 0
  const controller = new AbortController()
  if (o.abortAfterMs !== undefined)
    setTimeout(() => controller.abort(), o.abortAfterMs)
  const turn = await runAgentTurn([{ role: 'user', content: o.prompt }], {
    service: new EngineService(engine),
    tools: new ToolRegistry(builtinTools(), { enabled: ['calculator', 'convert_units'] }),
    strategy: o.strategy,
    stepLimit: o.stepLimit,
    signal: controller.signal,
    sampling: { temperature: 0.8, seed: o.seed ?? 1, ...(o.maxTokens && { maxTokens: o.maxTokens }) },
  })
  return { turn: JSON.parse(JSON.stringify(turn)) as AgentTurn, exchanges: JSON.parse(JSON.stringify(exchanges)) as typeof exchanges }
}

declare global {
  interface Window { agentHarness: { run: typeof run } }
}

setup().then(() => {
  window.agentHarness = { run }
  document.getElementById('state')!.textContent = 'ready'
}, (err: unknown) => {
  document.getElementById('state')!.textContent = `error: ${err instanceof Error ? err.message : String(err)}`
})
