/// <reference types="vite/client" />
/**
 * The eval's page (measurement only, not shipped): the app's own agent loop (runAgentTurn), tools (builtinTools in a
 * ToolRegistry built as the ModelManager builds it) and engines: WllamaEngine (real llama.cpp in WebAssembly) on the
 * instruct model from OPFS, and the production cloud services (createCloudService) against the fixture servers.
 * Every built-in tool is enabled, as under "Use tools: Always" (tool-policy.ts leaves some out for small models under
 * Auto): the table then shows what each class scores when offered. The spec calls `window.evalPage.run(...)` once per
 * task and checks the record it returns (eval/tasks.ts).
 */
import { clear, createStore } from 'idb-keyval'
import { runAgentTurn } from '../../src/agent/react-loop'
import type { StrategyKind } from '../../src/agent/strategies'
import { compileWithoutEval } from '../../src/agent/tools/mcp/schema'
import { saveNote } from '../../src/agent/tools/notes'
import { builtinTools, ToolRegistry } from '../../src/agent/tools/registry'
import { DEFAULT_MANAGER_CONFIG } from '../../src/orchestrator/manager-config'
import { cloudModel } from '../../src/services/cloud/cloud-common'
import { createCloudService } from '../../src/orchestrator/model-manager'
import type { AIService, ChatChunk, ChatRequest, ModelRef } from '../../src/contract/types'
import { withWellFormedText } from '../../src/contract/well-formed'
import { WllamaEngine } from '../../src/workers/inference/wllama/wllama-engine'
import { createModelWritable } from '../../src/models/opfs-store'
import { AppError } from '../../src/shared/errors'
import { SEEDED_NOTES, type TurnRecord } from '../tasks'

/** The local engine wrapped as an AIService, as the inference worker's WorkerService presents it to the agent. */
class LocalService implements AIService {
  readonly id = 'wllama' as const
  readonly capabilities = { isLocal: true, hasNativeToolCalls: false, maxContextTokens: 0, isStreaming: true, hasSchemaOutput: true }
  constructor(private readonly engine: WllamaEngine, private readonly model: ModelRef) {}
  async isSupported() {
    return { isSupported: true }
  }

  async initialize() {}
  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    const deltas: string[] = []
    const summary = await this.engine.chat(req, { signal: opts.signal ?? new AbortController().signal, queueWaitMs: 0, onDelta: d => deltas.push(d) })
    for (const text of deltas) yield { type: 'delta', text }
    yield { type: 'done', summary }
  }

  status() {
    return { state: 'ready' as const, model: this.model }
  }

  async dispose() {}
}

/** Records each reply's raw text and token count. */
function recording(service: AIService, replies: string[], tokens: { n: number }): AIService {
  return {
    id: service.id,
    capabilities: service.capabilities,
    isSupported: () => service.isSupported(),
    initialize: (m, o) => service.initialize(m, o),
    status: () => service.status(),
    dispose: () => service.dispose(),
    async* chat(req, opts) {
      for await (const chunk of service.chat(req, opts)) {
        if (chunk.type === 'done') {
          replies.push(chunk.summary.text.slice(0, 400))
          tokens.n += chunk.summary.metrics.completionTokens
        }
        yield chunk
      }
    },
  }
}

const engine = new WllamaEngine()
let local: LocalService | undefined

/** Copies a model from the served folder into OPFS and loads it (CPU, one thread, 2048-token context). */
async function loadLocal(file: string, nCtx = 2048): Promise<{ hasChatTemplate: boolean, loadMs: number }> {
  const bytes = await (await fetch(`./models/${file}`)).arrayBuffer()
  const writable = await createModelWritable(`eval-${file}`)
  await writable.write(bytes)
  await writable.close()
  const model: ModelRef = { id: `local/models/${file}`, repo: 'local/models', file }
  const loaded = await engine.load({ model, fileName: `eval-${file}`, nCtx, nThreads: 1, nGpuLayers: 0 })
  local = new LocalService(engine, model)
  return { hasChatTemplate: loaded.hasChatTemplate, loadMs: loaded.loadMs }
}

const notesStore = createStore('assistant-notes', 'notes')

/** The notes store holds exactly the seeded notes. */
async function resetNotes(): Promise<void> {
  await clear(notesStore)
  for (const [i, text] of SEEDED_NOTES.entries())
    await saveNote(text, new Date(Date.UTC(2026, 10, 1 + i)))
}

async function countNotes(): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('assistant-notes')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('notes').objectStore('notes').count()
      req.onsuccess = () => {
        resolve(req.result)
        open.result.close()
      }
      req.onerror = () => reject(req.error)
    }
  })
}

export interface RunOptions {
  backend: 'wllama' | 'openai-compat' | 'gemini'
  /** The fixture server's root, for cloud backends. */
  url?: string
  /** Default: the service's (native for cloud). */
  strategy?: StrategyKind
  prompt: string
  consent?: 'deny' | 'none'
  /** Tokens per model request (the eval's cap). */
  maxTokens: number
  /** Tool names offered; default all built-in tools. */
  tools?: string[]
}

function service(o: RunOptions): AIService {
  if (o.backend === 'wllama') {
    if (!local)
      throw new Error('No local model loaded.')
    return local
  }
  const config = { ...DEFAULT_MANAGER_CONFIG, geminiApiKey: 'AIza-eval-key', geminiBaseUrl: o.url ?? '', geminiKeyHost: o.url ? new URL(o.url).host : '', openaiBaseUrl: o.url ?? '', openaiModel: 'fixture' }
  return createCloudService(o.backend, config, { onRetry: () => {}, isOnline: () => true })
}

/** Runs one task's turn and reports it. Never throws: a backend failure is the record's `error`. */
async function run(o: RunOptions): Promise<TurnRecord> {
  await resetNotes()
  const replies: string[] = []
  const tokens = { n: 0 }
  const base = service(o)
  if (o.backend !== 'wllama')
    await base.initialize(cloudModel('fixture'))
  const started = performance.now()
  let consentAsks = 0
  try {
    const turn = await runAgentTurn([{ role: 'user', content: o.prompt }], {
      service: recording(withWellFormedText(base), replies, tokens),
      tools: new ToolRegistry(builtinTools(), { enabled: o.tools, compile: compileWithoutEval }),
      ...(o.strategy && { strategy: o.strategy }),
      sampling: { temperature: 0, maxTokens: o.maxTokens },
      ...(o.consent !== 'none' && { confirm: async () => { consentAsks++; return o.consent !== 'deny' } }),
    })
    return { outcome: turn.outcome, answer: turn.answer, steps: JSON.parse(JSON.stringify(turn.steps)) as TurnRecord['steps'], notesAfter: await countNotes(), requests: turn.metrics.length, ms: performance.now() - started, completionTokens: tokens.n, replies, consentAsks }
  }
  catch (err) {
    const e = err instanceof AppError ? `${err.code}: ${err.message}` : String(err)
    return { outcome: 'error', answer: '', steps: [], notesAfter: await countNotes(), requests: replies.length, ms: performance.now() - started, completionTokens: tokens.n, replies, consentAsks, error: e }
  }
}

declare global {
  interface Window { evalPage: { run: typeof run, loadLocal: typeof loadLocal } }
}

window.evalPage = { run, loadLocal }
document.getElementById('state')!.textContent = 'ready'
