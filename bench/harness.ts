/**
 * Browser side of `npm run bench`: each function does one measured unit of work, on the app's path (Pinia stores ->
 * worker client -> inference worker -> wllama) or on raw wllama in the same page, and returns its timings. The
 * runner (bench/run.mjs) decides the order, the interleaving and the statistics.
 */
import { LoggerWithoutDebug, Wllama } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import type { ChatMessage } from '../src/contract/types'
import { catalogEntry } from '../src/models/catalog'
import { startDownload } from '../src/services/library/download-client'
import { discardModel } from '../src/downloads/downloader'
import { getStoredModel } from '../src/models/manifest'
import { useChatStore } from '../src/stores/chat'
import { useEngineStore } from '../src/stores/engine'
import { useModelsStore } from '../src/stores/models'
import { useSettingsStore } from '../src/stores/settings'
import { renderCleanup, renderPrepare, renderStream } from './render-harness'

const REPO = 'local/models'
/** The chat template both sides use: the bench models (like many base GGUFs) have none. */
const TEMPLATE = 'chatml'
const N_CTX = 2048

export interface Timing { ttftMs: number, decodeTps: number, tokens: number, totalMs: number }

/** Times a stream of text deltas: first token, and tokens per second between the first and the last. */
function stopwatch() {
  const t0 = performance.now()
  let first = 0
  let last = 0
  let tokens = 0
  return {
    token() {
      last = performance.now()
      first ||= last
      tokens++
    },
    result(): Timing {
      const decodeMs = last - first
      return { ttftMs: first - t0, decodeTps: tokens > 1 && decodeMs > 0 ? ((tokens - 1) / decodeMs) * 1000 : 0, tokens, totalMs: performance.now() - t0 }
    },
  }
}

setActivePinia(createPinia())
const settings = useSettingsStore()
const models = useModelsStore()
const chat = useChatStore()
const engine = useEngineStore()
const raw = new Map<string, Wllama>()
let blob: { file: string, blob: Blob } | null = null

const ref = (file: string) => catalogEntry(REPO, file)
const fileUrl = (file: string) => `${location.origin}/${REPO}/resolve/main/${file}`

async function setup(): Promise<{ cores: number, isolated: boolean, userAgent: string }> {
  localStorage.clear()
  await models.init()
  settings.temperature = 0
  settings.gpuMode = 'cpu'
  settings.nCtx = N_CTX
  settings.chatTemplate = TEMPLATE
  settings.idleUnloadMinutes = 0
  settings.systemPrompt = ''
  // A plain streamed reply on both sides: the app's tool loop (ReAct) is not what the pipeline figure compares.
  settings.tools = Object.fromEntries(Object.keys(settings.tools).map(k => [k, false])) as typeof settings.tools
  await chat.init()
  return { cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated, userAgent: navigator.userAgent }
}

async function forget(file: string): Promise<void> {
  // The stored names depend on the pinned revision (storage-name.ts): the manifest entry knows them.
  const entry = await getStoredModel(ref(file).id)
  if (entry)
    await discardModel(entry)
}

/**
 * The app's download as the library store starts it: the download worker (hub client -> SHA-256 on the fly -> OPFS
 * sync access handle -> GGUF check -> manifest), with progress events crossing back to the page as in the app.
 */
async function appDownload(file: string): Promise<{ ms: number, bytes: number, progressEvents: number }> {
  await forget(file)
  const t0 = performance.now()
  let events = 0
  const entry = await startDownload(ref(file), { hubUrl: settings.hubUrl, onProgress: () => events++ })
  return { ms: performance.now() - t0, bytes: entry.sizeBytes, progressEvents: events }
}

/** The same bytes from the same server, straight into memory. */
async function rawFetch(file: string): Promise<{ ms: number, bytes: number }> {
  const t0 = performance.now()
  const buf = await (await fetch(fileUrl(file), { cache: 'no-store' })).arrayBuffer()
  return { ms: performance.now() - t0, bytes: buf.byteLength }
}

/**
 * The models store loads a stored model (threads 0 = the app chooses). Ready is the moment the store says 'ready'
 * with the model loaded (what the UI shows); the library refresh the store does afterwards is not part of it.
 */
async function appLoad(file: string, threads: number): Promise<{ ms: number, threads: number, threadSource: string, engineMs: number }> {
  if (models.loaded)
    await engine.localService().dispose()
  settings.nThreads = threads
  let readyAt = 0
  const stop = watch(() => models.phase === 'ready' && !!models.loaded, (ready) => {
    if (ready)
      readyAt ||= performance.now()
  }, { flush: 'sync' })
  const t0 = performance.now()
  const ok = await models.load(ref(file)).finally(stop)
  if (!ok || !models.loaded || !readyAt)
    throw new Error(`app load failed: ${models.error?.code} ${models.error?.message}`)
  return { ms: readyAt - t0, threads: models.loaded.threads, threadSource: models.loaded.threadSource, engineMs: models.loaded.loadMs }
}

async function appUnload(): Promise<void> {
  await engine.localService().dispose()
}

/** Raw wllama: loadModel from a Blob held in memory, with the app's load parameters. `key` names the instance. */
async function rawLoad(file: string, threads: number, key = 'main'): Promise<{ ms: number, threads: number }> {
  await rawUnload(key)
  if (blob?.file !== file)
    blob = { file, blob: new Blob([await (await fetch(fileUrl(file))).arrayBuffer()]) }
  const t0 = performance.now()
  const w = new Wllama({ default: wasmUrl }, { suppressNativeLog: true, logger: LoggerWithoutDebug })
  w.setCompat(null)
  await w.loadModel([blob.blob], { n_ctx: N_CTX, n_threads: threads, n_gpu_layers: 0, n_parallel: 1, chat_template: TEMPLATE })
  raw.set(key, w)
  return { ms: performance.now() - t0, threads: w.getNumThreads() }
}

async function rawUnload(key = 'main'): Promise<void> {
  await raw.get(key)?.exit()
  raw.delete(key)
}

/** One chat turn through the chat store, as the Send button does it. */
async function appChatStore(prompt: string, maxTokens: number): Promise<Timing> {
  await chat.newConversation()
  settings.maxTokens = maxTokens
  const clock = stopwatch()
  const stop = watch(() => chat.messages.at(-1)?.content, (text, before) => {
    if (chat.messages.at(-1)?.role === 'assistant' && text && text !== before)
      clock.token()
  }, { flush: 'sync' })
  try {
    await chat.send(prompt)
  }
  finally {
    stop()
  }
  if (chat.error)
    throw new Error(`app chat failed: ${chat.error.code} ${chat.error.message}`)
  return clock.result()
}

/** A chat through the app's local service (worker client -> worker -> wllama), with or without prompt reuse. */
async function appChatService(messages: ChatMessage[], maxTokens: number, promptReuse = true): Promise<Timing> {
  const clock = stopwatch()
  const req = { messages, sampling: { temperature: 0, maxTokens }, promptReuse }
  for await (const chunk of engine.localService().chat(req)) {
    if (chunk.type === 'delta')
      clock.token()
  }
  return clock.result()
}

/** The same chat on raw wllama: same template, sampling and prompt reuse as the app's engine. */
async function rawChat(messages: ChatMessage[], maxTokens: number, cachePrompt = true, key = 'main'): Promise<Timing> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  const stream = await w.createChatCompletion({
    messages: messages.map(m => ({ role: m.role as 'user' | 'assistant' | 'system', content: m.content })),
    temperature: 0, max_tokens: maxTokens, stream: true, cache_prompt: cachePrompt,
  })
  for await (const chunk of stream as AsyncIterable<{ choices: Array<{ delta?: { content?: string | null } }> }>) {
    if (chunk.choices[0]?.delta?.content)
      clock.token()
  }
  return clock.result()
}

/** A plain completion on raw wllama, to compare with native llama.cpp on the same prompt text. */
async function rawCompletion(prompt: string, maxTokens: number, key = 'main'): Promise<Timing> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  // cache_prompt reaches llama.cpp's server options; wllama's types do not list it (the engine passes it the same way).
  const options = { prompt, temperature: 0, max_tokens: maxTokens, stream: true as const, cache_prompt: false }
  const stream = await w.createCompletion(options)
  for await (const chunk of stream as AsyncIterable<{ choices: Array<{ text?: string }> }>) {
    if (chunk.choices[0]?.text)
      clock.token()
  }
  return clock.result()
}

const api = { setup, appDownload, rawFetch, appLoad, appUnload, rawLoad, rawUnload, appChatStore, appChatService, rawChat, rawCompletion, forget, renderPrepare, renderStream, renderCleanup }
Object.assign(globalThis, { bench: api })
document.getElementById('state')!.textContent = 'ready'
