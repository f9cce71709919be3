/**
 * Browser side of `npm run bench`: each function does one measured unit of work, on the app's path (Pinia stores ->
 * worker client -> inference worker -> wllama) or on raw wllama in the same page, and returns its timings. The
 * runner (bench/run.mjs) decides the order, the interleaving and the statistics.
 */
import { LoggerWithoutDebug, LogLevel, Wllama } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import type { ChatMessage } from '../src/contract/types'
import { promptFor } from '../src/agent/strategies'
import { ToolRegistry } from '../src/agent/tools/registry'
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
/** Prompt processing as llama.cpp timed it (`timings.prompt_*` of the stream's last chunk), and the caller's first token. */
export interface Prefill { promptTokens: number, promptMs: number, prefillTps: number, ttftMs: number }
/** Extra load parameters for the raw side: context, llama.cpp batch sizes, native log lines kept (to see repacking). */
export interface RawLoadOptions { nCtx?: number, nBatch?: number, nUbatch?: number, nativeLog?: boolean }

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

/**
 * Raw wllama: loadModel from a Blob held in memory, with the app's load parameters (and `opts`). `key` names the
 * instance. With `nativeLog`, llama.cpp's load log lines about buffers and repacking come back in `log`.
 */
async function rawLoad(file: string, threads: number, key = 'main', opts: RawLoadOptions = {}): Promise<{ ms: number, threads: number, nBatch: number, nUbatch: number, log: string[] }> {
  await rawUnload(key)
  if (blob?.file !== file)
    blob = { file, blob: new Blob([await (await fetch(fileUrl(file))).arrayBuffer()]) }
  const log: string[] = []
  const keep = (...args: unknown[]) => {
    const line = args.map(String).join(' ')
    if (/repack|buffer size|CPU_REPACK|system_info|n_batch|n_ubatch|n_threads/i.test(line))
      log.push(line.trim())
  }
  const logger = opts.nativeLog ? { ...LoggerWithoutDebug, debug: keep, log: keep, info: keep, warn: keep } : LoggerWithoutDebug
  const t0 = performance.now()
  const w = new Wllama({ default: wasmUrl }, { suppressNativeLog: !opts.nativeLog, logger })
  w.setCompat(null)
  await w.loadModel([blob.blob], {
    n_ctx: opts.nCtx ?? N_CTX, n_threads: threads, n_gpu_layers: 0, n_parallel: 1, chat_template: TEMPLATE,
    ...(opts.nBatch && { n_batch: opts.nBatch }), ...(opts.nUbatch && { n_ubatch: opts.nUbatch }),
    ...(opts.nativeLog && { log_level: LogLevel.INFO }),
  })
  raw.set(key, w)
  const info = w.getLoadedContextInfo()
  return { ms: performance.now() - t0, threads: w.getNumThreads(), nBatch: info.n_batch, nUbatch: info.n_ubatch, log }
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

interface TimedChunk { choices: Array<{ text?: string }>, timings?: { prompt_n: number, prompt_ms: number } }

/** Reads a raw completion stream: the stopwatch per text chunk, and llama.cpp's timings from the last chunk. */
async function timedStream(stream: AsyncIterable<TimedChunk>, clock: ReturnType<typeof stopwatch>): Promise<TimedChunk['timings']> {
  let timings: TimedChunk['timings']
  for await (const chunk of stream) {
    if (chunk.choices[0]?.text)
      clock.token()
    timings = chunk.timings ?? timings
  }
  return timings
}

/**
 * Prompt processing on raw wllama: `prompt` into an empty KV cache (no reuse), one token generated. Tokens/s are
 * llama.cpp's own (`prompt_n / prompt_ms`), so tokenising and the worker hop are not counted.
 */
async function rawPrefill(prompt: string, key = 'main'): Promise<Prefill> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  const options = { prompt, temperature: 0, max_tokens: 1, stream: true as const, cache_prompt: false, ignore_eos: true }
  const t = await timedStream(await w.createCompletion(options) as AsyncIterable<TimedChunk>, clock)
  if (!t?.prompt_n)
    throw new Error('wllama returned no prompt timings')
  return { promptTokens: t.prompt_n, promptMs: t.prompt_ms, prefillTps: (t.prompt_n / t.prompt_ms) * 1000, ttftMs: clock.result().ttftMs }
}

/** Exactly `n` tokens on raw wllama after `prompt`, past any end-of-generation token; no prompt reuse. */
async function rawDecodeFixed(prompt: string, n: number, key = 'main'): Promise<Timing> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  const options = { prompt, temperature: 0, max_tokens: n, stream: true as const, cache_prompt: false, ignore_eos: true }
  await timedStream(await w.createCompletion(options) as AsyncIterable<TimedChunk>, clock)
  return clock.result()
}

/**
 * The same through the app's local service (worker client -> worker -> wllama), chat template applied: exactly `n`
 * tokens (`ignoreEos`), no prompt reuse. Prefill figures are the engine's (`RequestMetrics`).
 */
async function appChatFixed(messages: ChatMessage[], n: number): Promise<Timing & { promptTokens: number, prefillTps: number }> {
  const clock = stopwatch()
  let prefill = { promptTokens: 0, prefillTps: 0 }
  const req = { messages, sampling: { temperature: 0, maxTokens: n, ignoreEos: true }, promptReuse: false }
  for await (const chunk of engine.localService().chat(req)) {
    if (chunk.type === 'delta')
      clock.token()
    else
      prefill = { promptTokens: chunk.summary.metrics.promptTokens, prefillTps: chunk.summary.metrics.prefillTokensPerSecond ?? 0 }
  }
  return { ...clock.result(), ...prefill }
}

/** Raw wllama's chat path with the same request as {@link appChatFixed}. */
async function rawChatFixed(messages: ChatMessage[], n: number, key = 'main'): Promise<Timing & { promptTokens: number, prefillTps: number }> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  let timings: { prompt_n: number, prompt_ms: number } | undefined
  const stream = await w.createChatCompletion({
    messages: messages.map(m => ({ role: m.role as 'user' | 'assistant' | 'system', content: m.content })),
    temperature: 0, max_tokens: n, stream: true, cache_prompt: false, ignore_eos: true,
  })
  for await (const chunk of stream as AsyncIterable<{ choices: Array<{ delta?: { content?: string | null } }>, timings?: typeof timings }>) {
    if (chunk.choices[0]?.delta?.content)
      clock.token()
    timings = chunk.timings ?? timings
  }
  return { ...clock.result(), promptTokens: timings?.prompt_n ?? 0, prefillTps: timings ? (timings.prompt_n / timings.prompt_ms) * 1000 : 0 }
}

/**
 * Cold start on the app's path, as a newcomer meets it: Download pressed (the download worker stores and verifies
 * the file), the models store loads it, the first chat turn streams: ms until its first token, and each step's share.
 */
async function appColdStart(file: string, prompt: string, threads: number): Promise<{ ms: number, downloadMs: number, loadMs: number, ttftMs: number }> {
  if (models.loaded)
    await engine.localService().dispose()
  await forget(file)
  const t0 = performance.now()
  await startDownload(ref(file), { hubUrl: settings.hubUrl })
  const t1 = performance.now()
  const loaded = await appLoad(file, threads)
  const t2 = t1 + loaded.ms
  const first = await appChatService(user(prompt), 1, false)
  return { ms: t2 - t0 + first.ttftMs, downloadMs: t1 - t0, loadMs: loaded.ms, ttftMs: first.ttftMs }
}

/** The raw path's cold start: fetch into memory, loadModel from that Blob, first token of the same chat turn. */
async function rawColdStart(file: string, prompt: string, threads: number): Promise<{ ms: number, downloadMs: number, loadMs: number, ttftMs: number }> {
  await rawUnload('cold')
  blob = null
  const t0 = performance.now()
  blob = { file, blob: new Blob([await (await fetch(fileUrl(file), { cache: 'no-store' })).arrayBuffer()]) }
  const t1 = performance.now()
  const loaded = await rawLoad(file, threads, 'cold')
  const first = await rawChat(user(prompt), 1, false, 'cold')
  await rawUnload('cold')
  return { ms: t1 - t0 + loaded.ms + first.ttftMs, downloadMs: t1 - t0, loadMs: loaded.ms, ttftMs: first.ttftMs }
}

const user = (content: string): ChatMessage[] => [{ role: 'user', content }]

/**
 * The first step of a new conversation with the built-in tools on, as the app's agent sends it to a small local model
 * (src/agent/strategies.ts: tools, format and example, then the conversation), through the app's local service:
 * before it, another conversation's first step ran (so the shared prefix, everything before "Conversation:", is in
 * the KV cache). `promptReuse` false is the same request processed from scratch. Returns the engine's metrics.
 */
async function appNewChatWithTools(question: string, other: string, promptReuse: boolean): Promise<{ ttftMs: number, promptTokens: number, cachedTokens: number }> {
  const registry = new ToolRegistry()
  const step = (q: string) => [{ role: 'user' as const, content: promptFor([{ role: 'user', content: q }], registry) }]
  await appChatService(step(other), 1, true)
  let metrics = { ttftMs: 0, promptTokens: 0, cachedTokens: 0 }
  for await (const chunk of engine.localService().chat({ messages: step(question), sampling: { temperature: 0, maxTokens: 1 }, promptReuse })) {
    if (chunk.type === 'done')
      metrics = { ttftMs: chunk.summary.metrics.timeToFirstTokenMs, promptTokens: chunk.summary.metrics.promptTokens, cachedTokens: chunk.summary.metrics.cachedTokens }
  }
  return metrics
}

/** Sets the mirror's CDN mode (server/mirror-cdn.ts) for the next downloads: per-connection cap, URL lifetime. */
async function cdnControl(options: { capBytesPerSecond?: number, ttlSeconds?: number }): Promise<unknown> {
  const res = await fetch('/__mirror/cdn', { method: 'PUT', body: JSON.stringify(options) })
  if (!res.ok)
    throw new Error(`the mirror has no CDN mode (HTTP ${res.status}): start it with MIRROR_CDN_PORT and MIRROR_FAULTS=1`)
  return res.json()
}

const api = { setup, appDownload, rawFetch, appLoad, appUnload, rawLoad, rawUnload, appChatStore, appChatService, rawChat, rawCompletion, forget, rawPrefill, rawDecodeFixed, appChatFixed, rawChatFixed, appColdStart, rawColdStart, cdnControl, appNewChatWithTools, renderPrepare, renderStream, renderCleanup }
Object.assign(globalThis, { bench: api })
document.getElementById('state')!.textContent = 'ready'
