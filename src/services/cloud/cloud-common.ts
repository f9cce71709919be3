/**
 * What the cloud services (Gemini, OpenAI-compatible) share: the offline check, Server-Sent Events reading, the
 * mapping of network failures to codes, and metrics in the shape the local engines publish.
 */
import { isChunkLoadError } from '../../shared/chunk-load'
import { AppError, toAppError } from '../../shared/errors'
import { ServiceError } from './http-errors'
import type { ModelRef, RequestMetrics, ServiceId } from '../../contract/types'
import { tokensPerSecond } from '../../contract/speed'

/** A cloud model as a ModelRef: the API's model name is the id and the file. */
export function cloudModel(name: string): ModelRef {
  return { id: name, repo: 'cloud', file: name }
}

/** `navigator.onLine`, or true where there is no navigator (Node tests pass their own probe). */
export function browserIsOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false
}

/** Throws AppError 'offline' at once instead of letting a request run into a timeout. */
export function assertOnline(isOnline: () => boolean, service: string): void {
  if (!isOnline())
    throw new AppError('offline', `You are offline, so ${service} cannot be reached. Reconnect, or switch to a model on this device.`)
}

/**
 * A fetch rejection (DNS, refused, reset, cut) as a transient ServiceError; aborts stay aborts. `service` names the
 * host as a sentence's subject ("The server at localhost:8080", "Gemini (generativelanguage.googleapis.com)"). The
 * browser's own words ("Failed to fetch", "NetworkError when attempting to fetch resource.", Safari's "Load failed")
 * say nothing more and differ per browser, and the browser does not tell a refused connection from one the page's
 * security policy blocked: the message says what is known.
 */
export function networkError(service: string, err: unknown, signal?: AbortSignal): AppError {
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError'))
    return new AppError('aborted')
  if (err instanceof AppError)
    return err
  // The SDK's own chunk could not be fetched: not the service's connection.
  if (isChunkLoadError(err))
    return toAppError(err)
  return new ServiceError('service_unavailable', `${service} did not answer: no connection could be made to it.`, 0)
}

/** The `data:` payloads of an SSE body, in order. Throws if the body ends inside an event. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done)
        break
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
      let end: number
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const event = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = event.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n')
        if (data)
          yield data
      }
    }
  }
  finally {
    reader.releaseLock()
  }
  if (buffer.trim())
    throw new ServiceError('bad_response', 'The stream ended in the middle of an event.', 200)
}

/** Parses one event's JSON, or throws 'bad_response' naming the service. */
export function parseEvent<T>(service: string, data: string): T {
  try {
    return JSON.parse(data) as T
  }
  catch {
    throw new ServiceError('bad_response', `${service} sent malformed JSON in its stream.`, 200)
  }
}

/**
 * Timings a llama.cpp server (llama-server) adds to its last chunk: its own counts and clocks, in tokens and
 * milliseconds. Other servers send none.
 */
export interface ServerTimings {
  prompt_n?: number | null
  prompt_ms?: number | null
  predicted_n?: number | null
  predicted_ms?: number | null
}

/**
 * Metrics for a cloud request: no threads or cache. Token counts are the service's own (`usage`, else the server's
 * timings); a count the service did not send stays 0 and its rate is absent (contract/speed.ts), never 0.0. The decode
 * rate is the server's when it timed itself, else the tokens after the first over the wall time after the first
 * (the first token's wait is prefill and network, not decoding).
 */
export function cloudMetrics(engine: ServiceId, started: number, firstTokenAt: number, promptTokens: number | null | undefined, completionTokens: number | null | undefined, timings?: ServerTimings | null): RequestMetrics {
  const totalMs = performance.now() - started
  const decodeMs = firstTokenAt ? totalMs - (firstTokenAt - started) : 0
  const completion = completionTokens || timings?.predicted_n || 0
  const prompt = promptTokens || timings?.prompt_n || 0
  return {
    engine,
    threads: 0,
    queueWaitMs: 0,
    timeToFirstTokenMs: firstTokenAt ? firstTokenAt - started : 0,
    promptTokens: prompt,
    cachedTokens: 0,
    completionTokens: completion,
    prefillTokensPerSecond: tokensPerSecond(timings?.prompt_n, timings?.prompt_ms),
    decodeTokensPerSecond: tokensPerSecond(timings?.predicted_n, timings?.predicted_ms) ?? tokensPerSecond(completion - 1, decodeMs),
    totalMs,
  }
}

/** How long a stream may stay silent between chunks before the answer is cut and kept, in milliseconds. Default 60 s. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000

/**
 * Whether a stream failed because its connection broke while the body was read: the server process stopped or crashed,
 * or the network dropped. Fetch reports it as a TypeError (Chromium "network error", Node's undici "terminated"); an
 * HTTP failure, a server's own in-stream error, an unreadable chunk and an abort are not this.
 */
export function isConnectionCut(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && err.name === 'TypeError')
}

/** The cut's own words for a notice ("network error"), without the service's key or URL details. */
export function cutDetail(err: unknown): string {
  return err instanceof Error && err.message.length <= 80 ? err.message : 'connection closed'
}

/**
 * How a stream that threw ends, the same for every cloud service: a stall, or a broken connection after the answer
 * began (some answer, reasoning or tool call arrived and no finish reason yet), keeps the text so far with a notice;
 * anything else, an abort, or a cut before any output is the turn's failure and is rethrown (retried when transient).
 * @returns `isStalled` (no data for the idle timeout before the finish) and `cut` (the connection's own words)
 * @throws `err` itself when the text cannot be kept
 */
export function endOfBrokenStream(err: unknown, state: { signal?: AbortSignal, hasOutput: boolean, finish: unknown }): { isStalled: boolean, cut?: string } {
  if (state.signal?.aborted || !(err instanceof StreamStalled || (isConnectionCut(err) && state.hasOutput && !state.finish)))
    throw err
  return err instanceof StreamStalled ? { isStalled: !state.finish } : { isStalled: false, cut: cutDetail(err) }
}

/** Thrown by {@link idleTimeout} when the source stayed silent too long. */
export class StreamStalled extends Error {
  constructor(readonly idleTimeoutMs: number) {
    super(`No data for ${idleTimeoutMs} ms.`)
    this.name = 'StreamStalled'
  }
}

/**
 * The items of `source`, failing with {@link StreamStalled} when more than `idleMs` pass between two of them. The
 * wait for the first item is not limited (a long prompt takes a while); `onStall` runs first, to abort the request.
 * A non-positive or infinite `idleMs` turns the limit off.
 */
export async function* idleTimeout<T>(source: AsyncIterable<T>, idleMs: number, onStall: () => void): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let isFirst = true
  let isDone = false
  try {
    for (;;) {
      const next = it.next()
      let timer: ReturnType<typeof setTimeout> | undefined
      const limited = !isFirst && idleMs > 0 && Number.isFinite(idleMs)
      const stalled = limited ? new Promise<'stalled'>((resolve) => { timer = setTimeout(() => resolve('stalled'), idleMs) }) : undefined
      const result = await (stalled ? Promise.race([next, stalled]) : next).finally(() => clearTimeout(timer))
      if (result === 'stalled') {
        next.catch(() => undefined) // the aborted read rejects later; nobody waits for it
        onStall()
        throw new StreamStalled(idleMs)
      }
      if (result.done) {
        isDone = true
        return
      }
      isFirst = false
      yield result.value
    }
  }
  finally {
    if (!isDone)
      it.return?.()?.catch(() => undefined)
  }
}

/** An AbortController that also fires when `outer` does, so a stall can abort a request the caller did not. */
export function linkedAbort(outer?: AbortSignal): { signal: AbortSignal, abort: () => void, release: () => void } {
  const inner = new AbortController()
  const onAbort = () => inner.abort(outer?.reason)
  if (outer?.aborted)
    inner.abort(outer.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  return { signal: inner.signal, abort: () => inner.abort(), release: () => outer?.removeEventListener('abort', onAbort) }
}
