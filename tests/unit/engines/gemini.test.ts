/** GeminiService through the real @google/genai SDK against the Gemini-protocol fixture server. */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { cloudModel } from '../../../src/engines/cloud-common'
import { GeminiService } from '../../../src/engines/gemini/gemini-service'
import { gemini, startGeminiServer } from '../../fixtures/gemini-server'
import { cloudServiceCases, collect, KEY } from './cloud-service-cases'

const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 2000 }

describe('GeminiService', () => {
  cloudServiceCases({
    start: startGeminiServer,
    create: o => new GeminiService({ ...o, retry: fast }),
    text: gemini.text,
    keyHeader: h => h['x-goog-api-key'] as string | undefined,
  })

  it('translates the OpenAI chat shape: system instruction, function calls and function responses, tools', async () => {
    const server = await startGeminiServer()
    try {
      server.script.push(gemini.call('calculator', { expression: '6*7' }))
      const service = new GeminiService({ apiKey: KEY, baseUrl: server.url })
      await service.initialize(cloudModel('gemini-test'))
      const out = await collect(service, {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is 6*7?' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' } }] },
          { role: 'tool', tool_call_id: 'c1', name: 'calculator', content: '42' },
        ],
        tools: [{ type: 'function', function: { name: 'calculator', description: 'math', parameters: { type: 'object', properties: { expression: { type: 'string' } } } } }],
      })
      expect(out.done?.summary.toolCalls).toEqual([{ id: 'call_0', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' }, signature: 'sig-calculator' }])
      const req = server.received[0]!
      expect(req.url).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse')
      const body = req.body as { contents: unknown[], systemInstruction: unknown, tools: unknown[] }
      expect(body.systemInstruction).toMatchObject({ parts: [{ text: 'Be brief.' }] })
      expect(body.contents).toEqual([
        { role: 'user', parts: [{ text: 'What is 6*7?' }] },
        { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'calculator', args: { expression: '6*7' } } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'calculator', response: { result: '42' } } }] },
      ])
      expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'calculator', description: 'math', parametersJsonSchema: { type: 'object', properties: { expression: { type: 'string' } } } }] }])
    }
    finally {
      await server.close()
    }
  })

  it('a function call\'s thought signature goes back with the call in the next request', async () => {
    const server = await startGeminiServer()
    try {
      server.script.push(gemini.call('calculator', { expression: '1+1' }), gemini.text('2'))
      const service = new GeminiService({ apiKey: KEY, baseUrl: server.url })
      await service.initialize(cloudModel('gemini-test'))
      const turn = await runAgentTurn([{ role: 'user', content: '1+1?' }], { service, tools: new ToolRegistry(builtinTools(), { enabled: ['calculator'] }) })
      expect(turn.answer).toBe('2')
      const contents = (server.received[1]!.body as { contents: Array<{ role: string, parts: Array<Record<string, unknown>> }> }).contents
      expect(contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { id: 'call_1', name: 'calculator', args: { expression: '1+1' } }, thoughtSignature: 'sig-calculator' }] })
    }
    finally {
      await server.close()
    }
  })

  it('refuses to start without a key', async () => {
    await expect(new GeminiService({ apiKey: '' }).initialize(cloudModel('x'))).rejects.toMatchObject({ code: 'missing_api_key' })
  })
})
