/**
 * Browser side of `npm run bench`: each function does one measured unit of work, on the app's path (Pinia stores ->
 * worker client -> inference worker -> wllama; here) or on raw wllama in the same page (raw-harness.ts), and returns
 * its timings. The runner (bench/run.mjs) decides the order, the interleaving and the statistics.
 */
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
import { N_CTX, REPO, TEMPLATE, stopwatch, user, type Timing } from './measure'
import { rawChat, rawChatFixed, rawColdStart, rawCompletion, rawDecodeFixed, rawFetch, rawLoad, rawLoadFrom, rawPrefill, rawUnload } from './raw-harness'
import { modelFileHandle } from '../src/models/opfs-store'
import { renderCleanup, renderPrepare, renderStream } from './render-harness'

setActivePinia(createPinia())
const settings = useSettingsStore()
const models = useModelsStore()
const chat = useChatStore()
const engine = useEngineStore()

const ref = (file: string) => catalogEntry(REPO, file)

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

/**
 * The models store loads a stored model (threads 0 = the app chooses). Ready is the moment the store says 'ready'
 * with the model loaded (what the UI shows); the library refresh the store does afterwards is not part of it.
 */
async function appLoad(file: string, threads: number): Promise<{ ms: number, threads: number, threadSource: string, engineMs: number, steps?: { check: number, threads: number, engine: number } }> {
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
  return { ms: readyAt - t0, threads: models.loaded.threads, threadSource: models.loaded.threadSource, engineMs: models.loaded.loadMs, steps: models.loaded.loadStepsMs }
}

/** Raw wllama loading the app's own stored file (an OPFS File read from disk), then unloaded: ms. */
async function rawLoadStored(file: string, threads: number): Promise<number> {
  const entry = await getStoredModel(ref(file).id)
  if (!entry)
    throw new Error(`${file} is not stored`)
  const stored = await (await modelFileHandle(entry.fileName)).getFile()
  const r = await rawLoadFrom(stored, threads, 'stored')
  await rawUnload('stored')
  return r.ms
}

/** Raw wllama loading the app's stored file from inside a dedicated worker, as the app does: loadModel ms. */
async function rawLoadStoredInWorker(file: string, threads: number): Promise<number> {
  const entry = await getStoredModel(ref(file).id)
  if (!entry)
    throw new Error(`${file} is not stored`)
  const worker = new Worker(new URL('./raw-load.worker.ts', import.meta.url), { type: 'module' })
  return new Promise<number>((resolve, reject) => {
    worker.onmessage = event => resolve((event.data as { ms: number }).ms)
    worker.onerror = event => reject(new Error(event.message))
    worker.postMessage({ fileName: entry.fileName, threads })
  }).finally(() => worker.terminate())
}

async function appUnload(): Promise<void> {
  await engine.localService().dispose()
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

/**
 * Cold start on the app's path, as a newcomer meets it: Download pressed (the download worker stores and verifies
 * the file), the models store loads it, the first chat turn streams: ms until its first token, and each step's share.
 */
/**
 * A cold start's total and its steps, ms. App side only: `workerLoadMs` is the inference worker's part of the load,
 * `checkMs` its file open and header check, `wllamaLoadMs` wllama's own load (LoadedModel.loadStepsMs).
 */
export interface ColdStart { ms: number, downloadMs: number, loadMs: number, workerLoadMs?: number, checkMs?: number, wllamaLoadMs?: number, ttftMs: number, secondTtftMs: number }

async function appColdStart(file: string, prompt: string, threads: number): Promise<ColdStart> {
  if (models.loaded)
    await engine.localService().dispose()
  await forget(file)
  const t0 = performance.now()
  await startDownload(ref(file), { hubUrl: settings.hubUrl })
  const t1 = performance.now()
  const loaded = await appLoad(file, threads)
  const t2 = t1 + loaded.ms
  const first = await appChatService(user(prompt), 1, false)
  // Not part of the cold start: the same request again, to split the first request's one-off cost from prefill.
  const again = await appChatService(user(prompt), 1, false)
  return { ms: t2 - t0 + first.ttftMs, downloadMs: t1 - t0, loadMs: loaded.ms, workerLoadMs: loaded.engineMs, checkMs: loaded.steps?.check, wllamaLoadMs: loaded.steps?.engine, ttftMs: first.ttftMs, secondTtftMs: again.ttftMs }
}

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

/** OPFS write and SHA-256 speeds alone, MiB/s, in a worker (bench/storage-probe.worker.ts). */
function storageProbe(mib: number): Promise<{ writeMiBps: number, hashMiBps: number }> {
  const worker = new Worker(new URL('./storage-probe.worker.ts', import.meta.url), { type: 'module' })
  return new Promise<{ writeMiBps: number, hashMiBps: number }>((resolve, reject) => {
    worker.onmessage = event => resolve(event.data as { writeMiBps: number, hashMiBps: number })
    worker.onerror = event => reject(new Error(event.message))
    worker.postMessage({ mib })
  }).finally(() => worker.terminate())
}

const api = { storageProbe, rawLoadStored, rawLoadStoredInWorker, setup, appDownload, rawFetch, appLoad, appUnload, rawLoad, rawUnload, appChatStore, appChatService, rawChat, rawCompletion, forget, rawPrefill, rawDecodeFixed, appChatFixed, rawChatFixed, appColdStart, rawColdStart, cdnControl, appNewChatWithTools, renderPrepare, renderStream, renderCleanup }
Object.assign(globalThis, { bench: api })
document.getElementById('state')!.textContent = 'ready'
