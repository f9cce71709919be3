/// <reference types="vite/client" />
/**
 * Test-only page: the production WllamaEngine (real llama.cpp in WebAssembly) on stories260K.gguf from OPFS,
 * wrapped as an AIService exactly as the worker does, driven by the production agent loop. The spec calls
 * `window.agentHarness.run(...)` and asserts on the transcript.
 */
import { runAgentTurn, type AgentTurn } from '../../../src/agent/react-loop'
import type { StrategyKind } from '../../../src/agent/strategies'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import type { AIService, ChatChunk, ChatRequest, ModelRef } from '../../../src/contract/types'
import { DEFAULT_MANAGER_CONFIG } from '../../../src/orchestrator/manager-config'
import { ModelManager, type ManagerEvent } from '../../../src/orchestrator/model-manager'
import { WllamaEngine } from '../../../src/workers/inference/wllama/wllama-engine'
import { createModelWritable } from '../../../src/models/opfs-store'
import { AppError } from '../../../src/shared/errors'

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
  private crashed = false
  private readonly running = new Set<AbortController>()

  /** Stops the engine's generation and fails it with `worker_crashed`, as WorkerService reports a dead worker. */
  crash(): void {
    this.crashed = true
    for (const c of this.running) c.abort()
  }

  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    if (this.crashed)
      throw new AppError('worker_crashed')
    const deltas: string[] = []
    const inner = new AbortController()
    opts.signal?.addEventListener('abort', () => inner.abort(), { once: true })
    this.running.add(inner)
    const signal = inner.signal
    let summary: Awaited<ReturnType<WllamaEngine['chat']>>
    try {
      summary = await this.engine.chat(req, { signal, queueWaitMs: 0, onDelta: d => deltas.push(d) })
    }
    catch (err) {
      throw this.crashed ? new AppError('worker_crashed') : err
    }
    finally {
      this.running.delete(inner)
    }
    if (this.crashed)
      throw new AppError('worker_crashed')
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
  await reload()
}

/** (Re)loads stories260K, optionally with a chat template so requests take wllama's chat path. */
async function reload(chatTemplate?: string): Promise<void> {
  await engine.load({ model: MODEL, fileName: FILE, nCtx: 2048, nThreads: 1, nGpuLayers: 0, ...(chatTemplate && { chatTemplate }) })
}

interface RunOptions {
  strategy: StrategyKind
  /** Tool names offered. Default calculator and convert_units. */
  tools?: string[]
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
    tools: new ToolRegistry(builtinTools(), { enabled: o.tools ?? ['calculator', 'convert_units'] }),
    strategy: o.strategy,
    stepLimit: o.stepLimit,
    signal: controller.signal,
    sampling: { temperature: 0.8, seed: o.seed ?? 1, ...(o.maxTokens && { maxTokens: o.maxTokens }) },
    // stories260K is tiny: small bounds keep its steps short.
    stepBounds: { maxThoughtChars: 160, maxAnswerChars: 400 },
  })
  return { turn: JSON.parse(JSON.stringify(turn)) as AgentTurn, exchanges: JSON.parse(JSON.stringify(exchanges)) as typeof exchanges }
}

/**
 * The ModelManager in the browser with the real Gemini SDK (web build) against the fixture server: a turn on local
 * wllama, a switch to Gemini with the history, then a local turn whose engine is torn down mid-turn, which falls
 * back to Gemini.
 */
async function managerScenario(geminiUrl: string) {
  const events: ManagerEvent[] = []
  const local = new EngineService(engine)
  const manager = new ModelManager({
    local: { wllama: local },
    config: () => ({ ...DEFAULT_MANAGER_CONFIG, geminiApiKey: 'AIza-browser-test-key', geminiBaseUrl: geminiUrl, geminiModel: 'gemini-e2e', isFallbackEnabled: true, enabledTools: ['calculator'] }),
  })
  manager.on(e => events.push(e))
  await manager.select('wllama', MODEL)
  const history: Parameters<typeof manager.runTurn>[0]['messages'] = [{ role: 'user', content: 'What is 2 + 3?' }]
  const first = await manager.runTurn({ messages: history })
  history.push(...first.messages, { role: 'user', content: 'And on Gemini?' })
  await manager.select('gemini', 'gemini-e2e')
  const second = await manager.runTurn({ messages: history })
  history.push(...second.messages, { role: 'user', content: 'Back to local.' })
  await manager.select('wllama', MODEL)
  const crashing = manager.runTurn({ messages: history })
  await new Promise(resolve => setTimeout(resolve, 20))
  local.crash() // the local engine dies mid-turn
  const third = await crashing
  const summary = (t: typeof first) => ({ backend: t.backend, fellBack: t.fellBack, outcome: t.outcome, answer: t.answer, steps: t.steps.length })
  return { first: summary(first), second: summary(second), third: summary(third), events: events.filter(e => e.type !== 'progress').map(e => (e.type === 'status' ? `status:${e.status}` : e.type === 'fallback' ? `fallback:${e.from}->${e.to}:${e.reason.code}` : e.type)) }
}

/** Loads another model from the served models folder into the engine (with its own chat template). */
async function loadFile(file: string, nCtx: number): Promise<{ hasChatTemplate: boolean, nCtx: number }> {
  const bytes = await (await fetch(`./models/${file}`)).arrayBuffer()
  const writable = await createModelWritable(`harness-${file}`)
  await writable.write(bytes)
  await writable.close()
  const loaded = await engine.load({ model: { id: `local/models/${file}`, repo: 'local/models', file }, fileName: `harness-${file}`, nCtx, nThreads: 1, nGpuLayers: 0 })
  return { hasChatTemplate: loaded.hasChatTemplate, nCtx: loaded.nCtx }
}

/** One request straight to the engine: its summary, or its error's code and message. */
async function engineChat(messages: ChatRequest['messages'], maxTokens = 4): Promise<{ summary?: Awaited<ReturnType<WllamaEngine['chat']>>, error?: { code: string, message: string } }> {
  try {
    const summary = await engine.chat({ messages, sampling: { temperature: 0, maxTokens } }, { signal: new AbortController().signal, queueWaitMs: 0, onDelta: () => {} })
    return { summary: JSON.parse(JSON.stringify(summary)) as typeof summary }
  }
  catch (err) {
    const e = err instanceof AppError ? err : new AppError('unknown', String(err))
    return { error: { code: e.code, message: e.message } }
  }
}

declare global {
  interface Window { agentHarness: { run: typeof run, managerScenario: typeof managerScenario, reload: typeof reload, loadFile: typeof loadFile, engineChat: typeof engineChat } }
}

setup().then(() => {
  window.agentHarness = { run, managerScenario, reload, loadFile, engineChat }
  document.getElementById('state')!.textContent = 'ready'
}, (err: unknown) => {
  document.getElementById('state')!.textContent = `error: ${err instanceof Error ? err.message : String(err)}`
})
