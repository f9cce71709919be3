/**
 * The raw side of `npm run bench`: @wllama/wllama in this page, with no worker, store or service of the app between,
 * loaded and asked with the same parameters as the app's engine, so harness.ts can set the two side by side.
 * `key` names a loaded instance (several may be loaded at once: 'main', 'prefill', 'cold', ...).
 */
import { LoggerWithoutDebug, LogLevel, Wllama } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import type { ChatMessage } from '../src/contract/types'
import { N_CTX, TEMPLATE, fileUrl, stopwatch, user, type Prefill, type Timing } from './measure'

/** Extra load parameters for the raw side: context, llama.cpp batch sizes, native log lines kept (to see repacking). */
export interface RawLoadOptions { nCtx?: number, nBatch?: number, nUbatch?: number, nativeLog?: boolean }

const raw = new Map<string, Wllama>()
let blob: { file: string, blob: Blob } | null = null

/** The same bytes from the same server, straight into memory. */
export async function rawFetch(file: string): Promise<{ ms: number, bytes: number }> {
  const t0 = performance.now()
  const buf = await (await fetch(fileUrl(file), { cache: 'no-store' })).arrayBuffer()
  return { ms: performance.now() - t0, bytes: buf.byteLength }
}

/**
 * Raw wllama: loadModel from a Blob held in memory, with the app's load parameters (and `opts`). `key` names the
 * instance. With `nativeLog`, llama.cpp's load log lines about buffers and repacking come back in `log`.
 */
export async function rawLoad(file: string, threads: number, key = 'main', opts: RawLoadOptions = {}): Promise<{ ms: number, threads: number, nBatch: number, nUbatch: number, log: string[] }> {
  await rawUnload(key)
  if (blob?.file !== file)
    blob = { file, blob: new Blob([await (await fetch(fileUrl(file))).arrayBuffer()]) }
  return rawLoadFrom(blob.blob, threads, key, opts)
}

/**
 * Raw wllama from a given Blob or File (the app's OPFS file, for `warm_start`'s note: what reading from disk costs
 * wllama itself, apart from what the app adds). Unloads `key` first.
 */
export async function rawLoadFrom(source: Blob, threads: number, key = 'main', opts: RawLoadOptions = {}): Promise<{ ms: number, threads: number, nBatch: number, nUbatch: number, log: string[] }> {
  await rawUnload(key)
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
  await w.loadModel([source], {
    n_ctx: opts.nCtx ?? N_CTX, n_threads: threads, n_gpu_layers: 0, n_parallel: 1, chat_template: TEMPLATE,
    ...(opts.nBatch && { n_batch: opts.nBatch }), ...(opts.nUbatch && { n_ubatch: opts.nUbatch }),
    ...(opts.nativeLog && { log_level: LogLevel.INFO }),
  })
  raw.set(key, w)
  const info = w.getLoadedContextInfo()
  return { ms: performance.now() - t0, threads: w.getNumThreads(), nBatch: info.n_batch, nUbatch: info.n_ubatch, log }
}

export async function rawUnload(key = 'main'): Promise<void> {
  await raw.get(key)?.exit()
  raw.delete(key)
}

/** The same chat on raw wllama: same template, sampling and prompt reuse as the app's engine. */
export async function rawChat(messages: ChatMessage[], maxTokens: number, cachePrompt = true, key = 'main'): Promise<Timing> {
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
export async function rawCompletion(prompt: string, maxTokens: number, key = 'main'): Promise<Timing> {
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
export async function rawPrefill(prompt: string, key = 'main'): Promise<Prefill> {
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
export async function rawDecodeFixed(prompt: string, n: number, key = 'main'): Promise<Timing> {
  const w = raw.get(key)
  if (!w)
    throw new Error(`no raw instance ${key}`)
  const clock = stopwatch()
  const options = { prompt, temperature: 0, max_tokens: n, stream: true as const, cache_prompt: false, ignore_eos: true }
  await timedStream(await w.createCompletion(options) as AsyncIterable<TimedChunk>, clock)
  return clock.result()
}

/** Raw wllama's chat path with the same request as {@link appChatFixed}. */
export async function rawChatFixed(messages: ChatMessage[], n: number, key = 'main'): Promise<Timing & { promptTokens: number, prefillTps: number }> {
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

/** The raw path's cold start: fetch into memory, loadModel from that Blob, first token of the same chat turn. */
export async function rawColdStart(file: string, prompt: string, threads: number): Promise<{ ms: number, downloadMs: number, loadMs: number, ttftMs: number, secondTtftMs: number }> {
  await rawUnload('cold')
  blob = null
  const t0 = performance.now()
  blob = { file, blob: new Blob([await (await fetch(fileUrl(file), { cache: 'no-store' })).arrayBuffer()]) }
  const t1 = performance.now()
  const loaded = await rawLoad(file, threads, 'cold')
  const first = await rawChat(user(prompt), 1, false, 'cold')
  const again = await rawChat(user(prompt), 1, false, 'cold')
  await rawUnload('cold')
  return { ms: t1 - t0 + loaded.ms + first.ttftMs, downloadMs: t1 - t0, loadMs: loaded.ms, ttftMs: first.ttftMs, secondTtftMs: again.ttftMs }
}
