/**
 * The fault and secret cases every cloud service must pass, run against its protocol fixture server (real HTTP on
 * loopback; the production SDK/fetch code, only the base URL differs). Used by gemini.test.ts and openai-compat.test.ts.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { cloudModel } from '../../../src/services/cloud/cloud-common'
import type { RetryInfo } from '../../../src/services/cloud/retry'
import type { AIService, ChatChunk, ChatRequest } from '../../../src/contract/types'
import { quirkReply, type QuirkCase } from '../../fixtures/quirk-corpus'
import type { Reply, ScriptedServer } from '../../fixtures/scripted-server'

export const KEY = 'AIzaSy-TEST-SECRET-0123456789'

export interface CloudHarness {
  start(): Promise<ScriptedServer>
  create(opts: { baseUrl: string, apiKey: string, isOnline?: () => boolean, onRetry?: (i: RetryInfo) => void, idleTimeoutMs?: number }): AIService
  text(...t: string[]): Reply
  /** Where the key travels in a request, or undefined. */
  keyHeader(headers: Record<string, string | string[] | undefined>): string | undefined
  /** This protocol's quirk corpus (tests/fixtures/quirk-corpus.ts). */
  quirks: QuirkCase[]
}

export async function collect(service: AIService, req: ChatRequest, signal?: AbortSignal): Promise<{ deltas: string[], done?: Extract<ChatChunk, { type: 'done' }> }> {
  const deltas: string[] = []
  let done: Extract<ChatChunk, { type: 'done' }> | undefined
  for await (const c of service.chat(req, { signal })) {
    if (c.type === 'delta')
      deltas.push(c.text)
    else
      done = c
  }
  return { deltas, done }
}

export async function failure(p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try {
    await p
  }
  catch (err) {
    return err as { code: string, message: string }
  }
  throw new Error('expected a failure')
}

const HI: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] }

export function cloudServiceCases(h: CloudHarness): void {
  let server: ScriptedServer
  let retries: RetryInfo[]
  let service: AIService
  beforeEach(async () => {
    server = await h.start()
    retries = []
    service = h.create({ baseUrl: server.url, apiKey: KEY, onRetry: i => retries.push(i) })
    await service.initialize(cloudModel('test-model'))
  })
  afterEach(() => server.close())

  it('streams deltas and a summary', async () => {
    server.script.push(h.text('Hel', 'lo'))
    const out = await collect(service, HI)
    expect(out.deltas).toEqual(['Hel', 'lo'])
    expect(out.done?.summary.text).toBe('Hello')
    expect(service.status().state).toBe('ready')
  })

  it('sends the key in a header, never in the URL', async () => {
    server.script.push(h.text('ok'))
    await collect(service, HI)
    const req = server.received[0]!
    expect(h.keyHeader(req.headers)).toContain(KEY)
    expect(req.url).not.toContain(KEY)
    expect(JSON.stringify(req.body)).not.toContain(KEY)
  })

  it('never puts the key in an error message or a log line, even when the server echoes it', async () => {
    const logged: unknown[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(level => vi.spyOn(console, level).mockImplementation((...args) => { logged.push(args) }))
    server.fallback = () => ({ kind: 'status', status: 500, body: `echo ${KEY}` })
    const transient = await failure(collect(service, HI))
    server.fallback = undefined
    spies.forEach(s => s.mockRestore())
    expect(transient.code).toBe('service_unavailable')
    expect(JSON.stringify(logged)).not.toContain(KEY)
    expect(transient.message).not.toContain(KEY)
    server.script.push({ kind: 'status', status: 401, body: JSON.stringify({ error: { code: 401, message: `API key ${KEY} not valid` } }) })
    const err = await failure(collect(service, HI))
    expect(err.code).toBe('request_rejected')
    expect(err.message).not.toContain(KEY)
    expect(JSON.stringify(err)).not.toContain(KEY)
    expect(String((err as unknown as Error).stack)).not.toContain(KEY)
  })

  it('honours Retry-After on 429, then succeeds', async () => {
    server.script.push({ kind: 'status', status: 429, retryAfter: '1' }, h.text('after wait'))
    const out = await collect(service, HI)
    expect(out.done?.summary.text).toBe('after wait')
    expect(retries.map(r => [r.error.code, r.delayMs])).toEqual([['rate_limited', 1000]])
  })

  it('retries 500 with backoff, then succeeds', async () => {
    server.script.push({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, h.text('up'))
    expect((await collect(service, HI)).done?.summary.text).toBe('up')
    expect(retries.map(r => r.error.code)).toEqual(['service_unavailable', 'service_unavailable'])
    expect(server.received).toHaveLength(3)
  })

  it.each([400, 401, 403])('never retries %i', async (status) => {
    server.script.push({ kind: 'status', status }, h.text('must not be reached'))
    expect((await failure(collect(service, HI))).code).toBe('request_rejected')
    expect(server.received).toHaveLength(1)
    expect(service.status()).toMatchObject({ state: 'error', errorCode: 'request_rejected' })
  })

  it('gives up after the attempts with the last transient code', async () => {
    server.fallback = () => ({ kind: 'status', status: 500 })
    expect((await failure(collect(service, HI))).code).toBe('service_unavailable')
    expect(server.received).toHaveLength(3) // the harness allows 3 attempts
  })

  it('reports malformed JSON as bad_response', async () => {
    server.script.push({ kind: 'malformed' })
    expect((await failure(collect(service, HI))).code).toBe('bad_response')
  })

  it('a stream cut mid-way (the server died) keeps the text already shown with a notice, and is not replayed', async () => {
    server.script.push({ kind: 'stream', text: ['one ', 'two ', 'three'], cutAfter: 2 }, h.text('must not be reached'))
    const out = await collect(service, HI)
    expect(out.deltas.length).toBeGreaterThan(0)
    expect(out.deltas.join('')).not.toContain('three')
    expect(out.done?.summary).toMatchObject({ finishReason: 'connection_lost', notice: { code: 'connection_lost' } })
    expect(out.done?.summary.text).toBe(out.deltas.join(''))
    expect(out.done?.summary.notice?.message).toMatch(/127\.0\.0\.1:\d+.*went away/)
    expect(server.received).toHaveLength(1)
  })

  it('a stream cut before any text is a failure, retried like any outage', async () => {
    server.script.push({ kind: 'stream', text: ['one ', 'two '], cutAfter: 0 }, h.text('after ', 'the retry'))
    const out = await collect(service, HI)
    expect(out.done?.summary.text).toBe('after the retry')
    expect(server.received).toHaveLength(2)
  })

  it('cancel stops a slow stream', async () => {
    server.script.push({ kind: 'stream', text: Array.from({ length: 50 }, (_, i) => `${i} `), delayMs: 100 })
    const controller = new AbortController()
    const deltas: string[] = []
    const err = await failure((async () => {
      for await (const c of service.chat(HI, { signal: controller.signal })) {
        if (c.type === 'delta' && deltas.push(c.text) === 2)
          controller.abort()
      }
    })())
    expect(err.code).toBe('aborted')
    expect(deltas.length).toBeLessThan(50)
  })

  it('offline fails at once with a clear code and sends nothing', async () => {
    const offline = h.create({ baseUrl: server.url, apiKey: KEY, isOnline: () => false })
    await offline.initialize(cloudModel('test-model'))
    const err = await failure(collect(offline, HI))
    expect(err.code).toBe('offline')
    expect(err.message).toMatch(/offline/)
    expect(server.received).toHaveLength(0)
    expect((await offline.isSupported()).isSupported).toBe(false)
  })

  it.each(h.quirks)('quirk corpus: $name', async (c) => {
    server.script.push(quirkReply(c), h.text('must not be reached'))
    const out = await collect(service, HI)
    const summary = out.done?.summary
    expect(summary?.text).toBe(c.expect.text)
    expect(out.deltas.join('')).toBe(c.expect.text)
    expect(summary?.finishReason).toBe(c.expect.finishReason)
    expect(summary?.reasoning).toBe(c.expect.reasoning)
    expect(summary?.notice?.code).toBe(c.expect.notice)
    if (summary?.notice) {
      expect(summary.notice.message).toMatch(/127\.0\.0\.1:\d+|length limit/)
      expect(summary.notice.nextStep.length).toBeGreaterThan(10)
    }
    expect(summary?.toolCalls?.map(t => ({ name: t.function.name, arguments: t.function.arguments }))).toEqual(c.expect.toolCalls)
    expect(server.received).toHaveLength(1) // a block or a cut answer is final: never retried
    expect(service.status().state).toBe('ready')
  })

  it('a stalled stream ends after the idle timeout with the text so far and a notice', async () => {
    const quick = h.create({ baseUrl: server.url, apiKey: KEY, idleTimeoutMs: 300 })
    await quick.initialize(cloudModel('test-model'))
    server.script.push({ kind: 'stream', text: ['one ', 'two ', 'three'], stallAfter: 2 })
    const started = Date.now()
    const out = await collect(quick, HI)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(out.done?.summary).toMatchObject({ finishReason: 'stalled', notice: { code: 'stalled' } })
    expect(out.done?.summary.text).toBe(out.deltas.join(''))
    expect(out.done?.summary.text).not.toContain('three')
    expect(out.done?.summary.notice?.message).toMatch(/127\.0\.0\.1:\d+.*0 s|stopped sending/)
    expect(server.received).toHaveLength(1)
  })

  it('a server error shows the server\'s own message, attributed to its host, not raw JSON', async () => {
    server.script.push({ kind: 'status', status: 404, body: JSON.stringify({ error: { message: 'model "x" not found, try pulling it first' } }) })
    const err = await failure(collect(service, HI))
    expect(err.code).toBe('server_model_not_found')
    expect(err.message).toContain('model "x" not found, try pulling it first')
    expect(err.message).toContain(new URL(server.url).host)
    expect(err.message).toContain('ollama pull x')
    expect(err.message).not.toContain('{"error"')
    expect(server.received).toHaveLength(1)
  })
}
