/** OpenAICompatService (fetch + SSE) against the OpenAI-protocol fixture server. */
import { describe, expect, it } from 'vitest'
import { cloudModel } from '../../../src/services/cloud/cloud-common'
import { OpenAICompatService } from '../../../src/services/openai-compat/openai-compat-service'
import { openai, startOpenAIServer } from '../../fixtures/openai-server'
import { startScriptedServer } from '../../fixtures/scripted-server'
import { openaiQuirks } from '../../fixtures/quirk-corpus'
import { cloudServiceCases, collect } from './cloud-service-cases'

const fast = { attempts: 3, baseDelayMs: 5, maxDelayMs: 2000 }

describe('OpenAICompatService', () => {
  cloudServiceCases({
    start: startOpenAIServer,
    create: o => new OpenAICompatService({ ...o, retry: fast }),
    text: openai.text,
    quirks: openaiQuirks,
    keyHeader: h => h.authorization as string | undefined,
  })

  it('leaves backend-private fields (a Gemini signature) out of the messages it sends', async () => {
    const server = await startOpenAIServer()
    try {
      server.script.push(openai.text('ok'))
      const service = new OpenAICompatService({ baseUrl: server.url })
      await service.initialize(cloudModel('m'))
      const call = { id: 'c1', type: 'function' as const, function: { name: 'calculator', arguments: '{}' } }
      await collect(service, { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '', tool_calls: [{ ...call, signature: 'sig' }] }, { role: 'tool', tool_call_id: 'c1', content: '2' }] })
      expect((server.received[0]!.body as { messages: unknown[] }).messages[1]).toEqual({ role: 'assistant', content: '', tool_calls: [call] })
    }
    finally {
      await server.close()
    }
  })

  it('an error reported inside the stream (llama-server, vLLM) keeps its status code', async () => {
    const server = await startScriptedServer(() => () => ['data: {"error":{"code":400,"message":"the request exceeds the available context size"}}\n\n'])
    try {
      const service = new OpenAICompatService({ baseUrl: server.url, retry: { attempts: 3, baseDelayMs: 1 } })
      await service.initialize(cloudModel('m'))
      server.fallback = () => ({ kind: 'stream' })
      await expect(collect(service, { messages: [{ role: 'user', content: 'q' }] })).rejects.toMatchObject({ code: 'request_rejected', message: expect.stringMatching(/context size/) })
      expect(server.received).toHaveLength(1)
    }
    finally {
      await server.close()
    }
  })

  it('sends tools and reassembles tool_calls streamed in fragments', async () => {
    const server = await startOpenAIServer()
    try {
      server.script.push({ kind: 'stream', calls: [{ name: 'calculator', args: '{"expression":"6*7"}' }, { name: 'datetime', args: '{"timeZone":"UTC"}' }] })
      const service = new OpenAICompatService({ baseUrl: server.url })
      await service.initialize(cloudModel('qwen'))
      const tools = [{ type: 'function' as const, function: { name: 'calculator', description: 'math', parameters: { type: 'object' } } }]
      const out = await collect(service, { messages: [{ role: 'user', content: 'q' }], tools })
      expect(out.done?.summary.toolCalls).toEqual([
        { id: 'call_0', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' } },
        { id: 'call_1', type: 'function', function: { name: 'datetime', arguments: '{"timeZone":"UTC"}' } },
      ])
      expect(server.received[0]!.body).toMatchObject({ model: 'qwen', stream: true, tools, messages: [{ role: 'user', content: 'q' }] })
      expect(server.received[0]!.headers.authorization).toBeUndefined()
    }
    finally {
      await server.close()
    }
  })
})
