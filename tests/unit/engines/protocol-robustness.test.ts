/**
 * Issue 8, item 2: malformed or unknown messages to the inference worker are answered with an error and never crash
 * it. First the pure handler with a recording `post`, then a round trip over a MessageChannel with the real client.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RequestQueue } from '../../../src/workers/inference/request-queue'
import { WorkerClient } from '../../../src/services/local/worker-client'
import { createWorkerHandler } from '../../../src/workers/inference/worker-handler'
import { MAX_ID_CHARS, MAX_MESSAGES, MAX_TEXT_CHARS, checkRequest } from '../../../src/workers/inference/worker-request-check'
import type { WorkerEvent } from '../../../src/contract/messages'
import { LOAD, STORIES, ScriptedEngine, chatCall, closeFakeWorkers, collect, fakeWorker, texts } from './fakes'

afterEach(() => closeFakeWorkers())

const huge = 'x'.repeat(MAX_TEXT_CHARS + 1)

/** Issue 17 item 11: values structured clone carries but JSON cannot: a cycle, a self-containing array, deep nesting. */
const cyclicTools = (() => {
  const tool: Record<string, unknown> = { type: 'function', function: { name: 'calc', parameters: { type: 'object' } } }
  ;(tool.function as Record<string, unknown>).parameters = tool
  return [tool]
})()
const cyclicSchema = (() => {
  const schema: Record<string, unknown> = { type: 'object', properties: {} }
  ;(schema.properties as Record<string, unknown>).self = schema
  return schema
})()
const selfArray = (() => {
  const a: unknown[] = []
  a.push(a)
  return a
})()
/** Deep enough that JSON.stringify overflows its stack. */
const deep = (levels: number) => {
  let v: Record<string, unknown> = {}
  for (let i = 0; i < levels; i++)
    v = { items: v }
  return v
}
const cyclicCall = (() => {
  const call: Record<string, unknown> = { id: 'x', type: 'function', function: { name: 'calc', arguments: '{}' } }
  call.self = call
  return call
})()

/** [what, message, the id the answer must carry] */
const BAD: Array<[string, unknown, string]> = [
  ['null', null, ''],
  ['undefined', undefined, ''],
  ['a number', 42, ''],
  ['a string', 'chat', ''],
  ['an array', [{ id: 'a', type: 'env' }], ''],
  ['no id', { type: 'env', payload: null }, ''],
  ['an empty id', { id: '', type: 'env', payload: null }, ''],
  ['a numeric id', { id: 7, type: 'env', payload: null }, ''],
  ['an oversized id', { id: 'i'.repeat(MAX_ID_CHARS + 1), type: 'env', payload: null }, ''],
  ['no type', { id: 'm1', payload: null }, 'm1'],
  ['an unknown type', { id: 'm2', type: 'format-disk', payload: null }, 'm2'],
  ['a prototype key as type', { id: 'm3', type: 'toString', payload: null }, 'm3'],
  ['abort without target', { id: 'm4', type: 'abort' }, 'm4'],
  ['load without payload', { id: 'm5', type: 'load' }, 'm5'],
  ['load with a string model', { id: 'm6', type: 'load', payload: { ...LOAD, model: 'stories' } }, 'm6'],
  ['load with a negative context', { id: 'm7', type: 'load', payload: { ...LOAD, nCtx: -1 } }, 'm7'],
  ['load with NaN threads', { id: 'm8', type: 'load', payload: { ...LOAD, nThreads: Number.NaN } }, 'm8'],
  ['load with an unknown engine', { id: 'm9', type: 'load', payload: { ...LOAD, engine: 'gpt' } }, 'm9'],
  ['chat without messages', { id: 'c1', type: 'chat', payload: { modelId: STORIES.id } }, 'c1'],
  ['chat with messages as a string', { id: 'c2', type: 'chat', payload: { modelId: STORIES.id, messages: 'hi' } }, 'c2'],
  ['chat with a bad role', { id: 'c3', type: 'chat', payload: { ...chatCall('hi'), messages: [{ role: 'root', content: 'hi' }] } }, 'c3'],
  ['chat with numeric content', { id: 'c4', type: 'chat', payload: { ...chatCall('hi'), messages: [{ role: 'user', content: 5 }] } }, 'c4'],
  ['chat with a string timeout', { id: 'c5', type: 'chat', payload: { ...chatCall('hi'), timeoutMs: '10' } }, 'c5'],
  ['chat with a bad priority', { id: 'c6', type: 'chat', payload: { ...chatCall('hi'), priority: 'urgent' } }, 'c6'],
  ['chat with sampling as an array', { id: 'c7', type: 'chat', payload: { ...chatCall('hi'), sampling: [0.7] } }, 'c7'],
  ['chat with a huge message', { id: 'c8', type: 'chat', payload: chatCall(huge) }, 'c8'],
  ['chat with too many messages', { id: 'c9', type: 'chat', payload: { ...chatCall('hi'), messages: Array.from({ length: MAX_MESSAGES + 1 }, () => ({ role: 'user', content: 'a' })) } }, 'c9'],
  ['chat whose messages add up to too much', { id: 'c10', type: 'chat', payload: { ...chatCall('hi'), messages: Array.from({ length: 9 }, () => ({ role: 'user', content: 'y'.repeat(MAX_TEXT_CHARS / 8) })) } }, 'c10'],
  ['chat with a huge schema', { id: 'c11', type: 'chat', payload: { ...chatCall('hi'), responseSchema: { description: huge } } }, 'c11'],
  ['env with a payload', { id: 'e1', type: 'env', payload: { x: 1 } }, 'e1'],
  ['chat with cyclic tools', { id: 'j1', type: 'chat', payload: { ...chatCall('hi'), tools: cyclicTools } }, 'j1'],
  ['chat with a cyclic response schema', { id: 'j2', type: 'chat', payload: { ...chatCall('hi'), responseSchema: cyclicSchema } }, 'j2'],
  ['chat with tools that contain themselves', { id: 'j3', type: 'chat', payload: { ...chatCall('hi'), tools: selfArray } }, 'j3'],
  ['chat with a schema nested 200,000 deep', { id: 'j4', type: 'chat', payload: { ...chatCall('hi'), responseSchema: deep(200_000) } }, 'j4'],
  ['chat with a schema nested 65 deep', { id: 'j5', type: 'chat', payload: { ...chatCall('hi'), responseSchema: deep(65) } }, 'j5'],
  ['chat with a BigInt in its tools', { id: 'j6', type: 'chat', payload: { ...chatCall('hi'), tools: [{ type: 'function', max: 10n }] } }, 'j6'],
  ['chat with a grammar that is no string', { id: 'j8', type: 'chat', payload: { ...chatCall('hi'), grammar: { root: 'x' } } }, 'j8'],
  ['chat with a Map as its schema', { id: 'j7', type: 'chat', payload: { ...chatCall('hi'), responseSchema: new Map([['type', 'object']]) } }, 'j7'],
  ['chat with a cyclic tool call in a message', { id: 'j8', type: 'chat', payload: { ...chatCall('hi'), messages: [{ role: 'assistant', content: '', tool_calls: [cyclicCall] }] } }, 'j8'],
  ['chat with tool calls that are not a list', { id: 'j9', type: 'chat', payload: { ...chatCall('hi'), messages: [{ role: 'assistant', content: '', tool_calls: 'calc()' }] } }, 'j9'],
]

function recordingHandler() {
  const engine = new ScriptedEngine()
  const queue = new RequestQueue()
  const handle = createWorkerHandler(engine, { queue })
  const events: WorkerEvent[] = []
  const post = (e: WorkerEvent) => void events.push(e)
  const answers = () => events.filter(e => e.type === 'result' || e.type === 'error')
  return { engine, queue, handle, post, events, answers }
}

describe('checkRequest', () => {
  it.each(BAD)('refuses %s', (_what, msg, id) => {
    const check = checkRequest(msg)
    expect(check.ok).toBe(false)
    if (!check.ok) {
      expect(check.id).toBe(id)
      expect(check.error.code).toBe('bad_request')
    }
  })

  it('accepts every request the client sends', () => {
    const shared = { type: 'string' }
    for (const msg of [
      { id: 'a', type: 'env', payload: null },
      { id: 'b', type: 'unload', payload: null },
      { id: 'c', type: 'load', payload: { ...LOAD, engine: 'wllama', nThreads: 2, chatTemplate: 'chatml', idleUnloadMs: 0 } },
      { id: 'd', type: 'chat', payload: { ...chatCall('hi'), priority: 'background', timeoutMs: 5, promptReuse: false, mode: 'chat', tools: [], responseSchema: { type: 'object' } } },
      // The agent's schema step: the schema and the same constraint as a GBNF grammar (agent/step-grammar.ts).
      { id: 'd2', type: 'chat', payload: { ...chatCall('hi'), responseSchema: { type: 'object' }, grammar: 'root ::= "{}"' } },
      { id: 'e', type: 'abort', target: 'd' },
      // What the agent sends: a shared (not cyclic) sub-schema, nesting up to the limit, tool calls and results.
      { id: 'f', type: 'chat', payload: { ...chatCall('hi'), tools: [{ a: shared, b: shared }], responseSchema: deep(63) } },
      { id: 'g', type: 'chat', payload: { ...chatCall('hi'), messages: [
        { role: 'assistant', content: '', tool_calls: [{ id: 'x', type: 'function', function: { name: 'calc', arguments: '{"e":"1+1"}' } }] },
        { role: 'tool', content: '2', tool_call_id: 'x', name: 'calc' },
      ] } },
    ])
      expect(checkRequest(msg)).toEqual({ ok: true, request: msg })
  })
})

describe('createWorkerHandler with malformed messages', () => {
  it.each(BAD)('answers %s with one bad_request error and touches neither queue nor engine', (_what, msg, id) => {
    const h = recordingHandler()
    expect(() => h.handle(msg, h.post)).not.toThrow()
    expect(h.answers()).toEqual([{ id, type: 'error', error: expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/refused/) }) }])
    expect(h.queue.size).toBe(0)
    expect(h.engine.loads).toEqual([])
    expect(h.engine.seen).toEqual([])
  })

  it('keeps serving after every malformed message: load and chat still work', async () => {
    const h = recordingHandler()
    for (const [, msg] of BAD)
      h.handle(msg, h.post)
    h.handle({ id: 'load-1', type: 'load', payload: LOAD }, h.post)
    await expect.poll(() => h.answers().find(e => e.id === 'load-1')?.type).toBe('result')
    h.handle({ id: 'chat-1', type: 'chat', payload: chatCall('Once') }, h.post)
    await expect.poll(() => h.answers().find(e => e.id === 'chat-1')?.type).toBe('result')
    expect(h.answers().filter(e => e.type === 'error')).toHaveLength(BAD.length)
  })

  it('answers a message whose check fails in an unforeseen way, under its id (issue 17 item 11)', () => {
    const h = recordingHandler()
    const trap = new Proxy({ id: 'p1', type: 'chat' }, {
      get: (target, key) => {
        if (key === 'payload')
          throw new Error('trap')
        return Reflect.get(target, key)
      },
    })
    expect(() => h.handle(trap, h.post)).not.toThrow()
    expect(h.answers()).toEqual([{ id: 'p1', type: 'error', error: expect.objectContaining({ code: 'bad_request' }) }])
  })

  it('answers a result that cannot be cloned with an error instead of throwing out of the worker', async () => {
    const h = recordingHandler()
    const post = (e: WorkerEvent) => {
      if (e.type === 'result')
        throw new DOMException('could not be cloned', 'DataCloneError')
      h.post(e)
    }
    h.handle({ id: 'env-1', type: 'env', payload: null }, post)
    await expect.poll(() => h.answers()).toEqual([{ id: 'env-1', type: 'error', error: expect.objectContaining({ code: 'unknown', message: 'could not be cloned' }) }])
  })
})

describe('round trip over a MessageChannel', () => {
  it('the worker answers garbage with errors, and the real client keeps working', async () => {
    const worker = fakeWorker()
    const client = new WorkerClient(worker.endpoint)
    const seen: WorkerEvent[] = []
    worker.port.addEventListener('message', ev => void seen.push((ev as MessageEvent<WorkerEvent>).data))
    // A MessagePort cannot tell undefined from a missing message, and cannot clone 200,000 levels (the sender fails).
    const garbage = BAD.filter(([what, msg]) => msg !== undefined && !what.includes('200,000'))
    for (const [, msg] of garbage)
      worker.endpoint.postMessage(msg)
    await expect.poll(() => seen.filter(e => e.type === 'error').length).toBe(garbage.length)
    expect(seen.filter(e => e.type === 'error').every(e => e.type === 'error' && e.error.code === 'bad_request')).toBe(true)

    await client.call('load', LOAD)
    expect(texts(await collect(client.chat(chatCall('Once'))))).toEqual(['Once', ' upon', ' a', ' time', 'DONE'])
    expect(client.pendingCount).toBe(0)
    console.log(`protocol robustness: ${garbage.length} malformed messages answered with bad_request over a MessageChannel; the worker then loaded and chatted normally`)
  })
})
