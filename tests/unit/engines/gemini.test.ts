/** GeminiService through the real @google/genai SDK against the Gemini-protocol fixture server. */
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { cloudModel } from '../../../src/services/cloud/cloud-common'
import { GEMINI_THINKING_ALLOWANCE_TOKENS, GeminiService } from '../../../src/services/gemini/gemini-service'
import { assertKeyMayGo, keyDestination } from '../../../src/services/gemini/key-destination'
import { gemini, startGeminiServer } from '../../fixtures/gemini-server'
import { geminiQuirks } from '../../fixtures/quirk-corpus'
import { cloudServiceCases, collect, KEY } from './cloud-service-cases'

const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 2000 }

describe('GeminiService', () => {
  cloudServiceCases({
    start: startGeminiServer,
    create: o => new GeminiService({ ...o, retry: fast }),
    text: gemini.text,
    quirks: geminiQuirks,
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

describe('Gemini thinking and where the key goes', () => {
  it('a thinking model gets room to think on top of "Longest answer", and its thoughts are asked for', async () => {
    const server = await startGeminiServer()
    try {
      server.script.push(gemini.text('ok'))
      const service = new GeminiService({ apiKey: KEY, baseUrl: server.url })
      await service.initialize(cloudModel('gemini-2.5-flash'))
      await collect(service, { messages: [{ role: 'user', content: 'hi' }], sampling: { maxTokens: 256 } })
      const config = (server.received[0]!.body as { generationConfig: Record<string, unknown> }).generationConfig
      expect(config.maxOutputTokens).toBe(256 + GEMINI_THINKING_ALLOWANCE_TOKENS)
      expect(config.thinkingConfig).toEqual({ includeThoughts: true })
    }
    finally {
      await server.close()
    }
  })

  it('names the real host; http only to loopback; another host only once confirmed', () => {
    expect(keyDestination('')).toMatchObject({ host: 'generativelanguage.googleapis.com', isGoogle: true })
    expect(keyDestination('http://127.0.0.1:9999')).toMatchObject({ host: '127.0.0.1:9999', isLoopback: true, isAllowedScheme: true })
    expect(keyDestination('http://[::1]:80/x')).toMatchObject({ isLoopback: true, isAllowedScheme: true })
    expect(keyDestination('http://proxy.example')).toMatchObject({ isAllowedScheme: false })
    expect(keyDestination('http://generativelanguage.googleapis.com')).toMatchObject({ isGoogle: false, isAllowedScheme: false })
    expect(keyDestination('https://evil.example.com/generativelanguage.googleapis.com')).toMatchObject({ host: 'evil.example.com', isGoogle: false })
    expect(() => assertKeyMayGo('http://proxy.example')).toThrow(expect.objectContaining({ code: 'insecure_endpoint' }))
    expect(() => assertKeyMayGo('https://proxy.example')).toThrow(expect.objectContaining({ code: 'key_host_unconfirmed', message: expect.stringContaining('proxy.example') }))
    expect(assertKeyMayGo('https://proxy.example', 'proxy.example').host).toBe('proxy.example')
    expect(() => assertKeyMayGo('https://proxy.example', 'other.example')).toThrow(expect.objectContaining({ code: 'key_host_unconfirmed' }))
  })

  it('sends no request (so no key) to an unconfirmed host or over plain http to another computer', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    try {
      for (const [baseUrl, code] of [['http://proxy.example', 'insecure_endpoint'], ['https://proxy.example', 'key_host_unconfirmed']] as const) {
        const service = new GeminiService({ apiKey: KEY, baseUrl })
        await expect(service.initialize(cloudModel('gemini-test'))).rejects.toMatchObject({ code })
        expect((await service.isSupported()).isSupported).toBe(false)
      }
      expect(fetchSpy).not.toHaveBeenCalled()
    }
    finally {
      fetchSpy.mockRestore()
    }
  })
})
