/**
 * "0.0 tokens/s" on every reply from llama-cpp-python's server: it sends no `usage` in a stream (whatever
 * `stream_options.include_usage` asks), and the rate was computed from the missing count as 0. A rate now comes
 * from real token counts (the service's usage, or the server's own timings) or is absent, for every backend.
 */
import { describe, expect, it } from 'vitest'
import { cloudMetrics, cloudModel } from '../../../src/services/cloud/cloud-common'
import { OpenAICompatService } from '../../../src/services/openai-compat/openai-compat-service'
import { shownDecodeRate, tokensPerSecond } from '../../../src/contract/speed'
import { metricsOf } from '../../../src/workers/inference/wllama/stream'
import { startScriptedServer } from '../../fixtures/scripted-server'
import { collect } from './cloud-service-cases'

/** SSE frames as llama-cpp-python 0.3.36 streams a chat completion: one token a chunk, no usage, no timings. */
const LLAMA_CPP_PYTHON = [
  { choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: 'Paris' }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: ' is' }, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: ' it.' }, finish_reason: null }] },
  { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
].map(e => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'smol', ...e })}\n\n`).concat('data: [DONE]\n\n')

async function replyTo(frames: string[]) {
  const server = await startScriptedServer(() => () => [])
  server.fallback = () => ({ kind: 'raw', frames })
  try {
    const service = new OpenAICompatService({ baseUrl: server.url })
    await service.initialize(cloudModel('smol'))
    return (await collect(service, { messages: [{ role: 'user', content: 'q' }] })).done!.summary
  }
  finally {
    await server.close()
  }
}

describe('speed figures', () => {
  it('a stream without usage (llama-cpp-python) has no rate, not 0', async () => {
    const summary = await replyTo(LLAMA_CPP_PYTHON)
    expect(summary.text).toBe('Paris is it.')
    expect(summary.metrics.completionTokens).toBe(0)
    expect(summary.metrics.decodeTokensPerSecond).toBeUndefined()
    expect(shownDecodeRate(summary.metrics)).toBeUndefined()
  })

  it('llama-server\'s own timings give the rate it measured', async () => {
    const frames = [...LLAMA_CPP_PYTHON]
    frames.splice(-1, 0, `data: ${JSON.stringify({ choices: [], timings: { prompt_n: 12, prompt_ms: 40, predicted_n: 3, predicted_ms: 60 } })}\n\n`)
    const { metrics } = await replyTo(frames)
    expect(metrics).toMatchObject({ promptTokens: 12, completionTokens: 3 })
    expect(metrics.decodeTokensPerSecond).toBeCloseTo(50)
    expect(metrics.prefillTokensPerSecond).toBeCloseTo(300)
  })

  it('cloud metrics: a count over the time after the first token, else nothing', () => {
    const started = performance.now() - 1000
    expect(cloudMetrics('gemini', started, started + 500, 10, 0).decodeTokensPerSecond).toBeUndefined()
    expect(cloudMetrics('gemini', started, started + 500, undefined, undefined).decodeTokensPerSecond).toBeUndefined()
    expect(cloudMetrics('gemini', started, 0, 10, 5).decodeTokensPerSecond).toBeUndefined()
    const r = cloudMetrics('gemini', started, started + 500, 10, 11).decodeTokensPerSecond!
    expect(r).toBeGreaterThan(15)
    expect(r).toBeLessThan(25) // 10 tokens after the first in ~500 ms
  })

  it('wllama without timings has no rate', () => {
    const loaded = { threads: 2 } as Parameters<typeof metricsOf>[1]
    expect(metricsOf(undefined, loaded, 0, performance.now(), 0).decodeTokensPerSecond).toBeUndefined()
  })

  it('a stored 0 (saved before rates were optional) is not shown', () => {
    expect(shownDecodeRate({ decodeTokensPerSecond: 0, completionTokens: 5 })).toBeUndefined()
    expect(shownDecodeRate({ decodeTokensPerSecond: 12.5, completionTokens: 5 })).toBe(12.5)
    expect(tokensPerSecond(0, 100)).toBeUndefined()
    expect(tokensPerSecond(5, 0)).toBeUndefined()
  })
})
