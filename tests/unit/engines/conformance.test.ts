/**
 * One set of agent scenarios run against every backend reachable from Node: Gemini (real SDK) and an
 * OpenAI-compatible server (real fetch), each against its protocol fixture; the local wllama run of the same
 * scenarios is tests/e2e/agent-wllama.spec.ts (real stories260K in Chromium).
 */
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { cloudModel } from '../../../src/services/cloud/cloud-common'
import { GeminiService } from '../../../src/services/gemini/gemini-service'
import { OpenAICompatService } from '../../../src/services/openai-compat/openai-compat-service'
import type { AIService } from '../../../src/contract/types'
import { gemini, startGeminiServer } from '../../fixtures/gemini-server'
import { openai, startOpenAIServer } from '../../fixtures/openai-server'
import type { Reply, ScriptedServer } from '../../fixtures/scripted-server'

interface Backend {
  name: string
  start(): Promise<ScriptedServer>
  create(url: string): AIService
  call(name: string, args: unknown): Reply
  text(...t: string[]): Reply
  /** The observation the backend sent back for the first tool result, read from the second request. */
  fedBack(body: unknown): string | undefined
}

const backends: Backend[] = [
  {
    name: 'gemini',
    start: startGeminiServer,
    create: url => new GeminiService({ apiKey: 'k-test-123456', baseUrl: url, retry: { attempts: 1 } }),
    call: gemini.call,
    text: gemini.text,
    fedBack: (body) => {
      const contents = (body as { contents: Array<{ parts: Array<{ functionResponse?: { response: { result: string } } }> }> }).contents
      return contents.flatMap(c => c.parts).find(p => p.functionResponse)?.functionResponse?.response.result
    },
  },
  {
    name: 'openai-compat',
    start: startOpenAIServer,
    create: url => new OpenAICompatService({ baseUrl: url, retry: { attempts: 1 } }),
    call: openai.call,
    text: openai.text,
    fedBack: body => (body as { messages: Array<{ role: string, content: string }> }).messages.find(m => m.role === 'tool')?.content,
  },
]

describe.each(backends)('agent conformance: $name', (b) => {
  let server: ScriptedServer
  let service: AIService
  const tools = () => new ToolRegistry(builtinTools(), { enabled: ['calculator', 'datetime', 'convert_units'] })
  const USER = [{ role: 'user' as const, content: 'What is 6 times 7?' }]

  beforeEach(async () => {
    server = await b.start()
    service = b.create(server.url)
    await service.initialize(cloudModel('conformance-model'))
  })
  afterEach(() => server.close())

  it('a tool call is parsed, validated, executed, fed back, and a final answer produced', async () => {
    server.script.push(b.call('calculator', { expression: '6 * 7' }), b.text('6 times 7 is ', '42.'))
    const turn = await runAgentTurn(USER, { service, tools: tools() })
    expect(turn.outcome).toBe('answered')
    expect(turn.steps.map(s => s.kind)).toEqual(['tool_call', 'observation', 'answer'])
    expect(turn.steps[0]).toMatchObject({ name: 'calculator', arguments: { expression: '6 * 7' } })
    expect(turn.steps[1]).toMatchObject({ content: '42', isError: false })
    expect(b.fedBack(server.received[1]!.body)).toBe('42')
    expect(turn.answer).toBe('6 times 7 is 42.')
  })

  it('a malformed tool call is answered with an error observation and the turn recovers', async () => {
    server.script.push(b.call('calculator', { expr: 42 }), b.text('sorry'))
    const turn = await runAgentTurn(USER, { service, tools: tools() })
    const obs = turn.steps.filter(s => s.kind === 'observation')
    expect(obs.map(o => o.kind === 'observation' && o.isError)).toEqual([true])
    expect(b.fedBack(server.received[1]!.body)).toMatch(/Invalid arguments for calculator/)
    expect(turn.outcome).toBe('answered')
  })

  it('a second invalid call ends the turn with invalid_calls (the manager then answers without tools)', async () => {
    server.script.push(b.call('calculator', { expr: 42 }), b.call('no_such_tool', {}), b.text('never asked'))
    const turn = await runAgentTurn(USER, { service, tools: tools() })
    expect(turn.outcome).toBe('invalid_calls')
    expect(server.received).toHaveLength(2)
  })

  it('the step limit stops a model that calls tools forever', async () => {
    let n = 0
    server.fallback = () => b.call('calculator', { expression: `${n++} + 1` })
    const turn = await runAgentTurn(USER, { service, tools: tools(), stepLimit: 3 })
    expect(turn.outcome).toBe('step_limit')
    expect(server.received).toHaveLength(3)
  })

  it('cancel stops the turn mid-stream', async () => {
    server.script.push({ kind: 'stream', text: Array.from({ length: 40 }, () => 'word '), delayMs: 50 })
    const controller = new AbortController()
    let deltas = 0
    const turn = await runAgentTurn(USER, { service, tools: tools(), signal: controller.signal, onDelta: () => { if (++deltas === 2) controller.abort() } })
    expect(turn.outcome).toBe('aborted')
    expect(deltas).toBeLessThan(40)
  })
})
