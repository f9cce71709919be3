/**
 * No MLC-format weights can exist on this machine (no network), so these tests drive the engine code against a fake
 * that implements web-llm's MLCEngineInterface. The model list, ids and records are web-llm's real
 * `prebuiltAppConfig`, so the variant rules are checked against the models users will actually see.
 */
import {
  prebuiltAppConfig,
  type ChatCompletionChunk,
  type ChatCompletionFinishReason,
  type ChatCompletionRequestStreaming,
  type CompletionUsage,
  type InitProgressReport,
  type MLCEngineInterface,
} from '@mlc-ai/web-llm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Progress } from '../../../src/contract/types'
import {
  checkModelSupported,
  compatibleModels,
  effectiveBindingBytes,
  f32AlternativeOf,
  isChatModel,
  needsShaderF16,
  probeWebGpu,
  quantizationOf,
  type GpuLike,
  type GpuProbe,
} from '../../../src/workers/inference/webllm/variants'
import { WebLlmEngine, type CreateEngine } from '../../../src/workers/inference/webllm/webllm-engine'
import type { ChatRun } from '../../../src/workers/inference/worker-engine'
import type { LoadRequest } from '../../../src/contract/messages'

const MODELS = prebuiltAppConfig.model_list
const F16_ID = 'Llama-3.2-1B-Instruct-q4f16_1-MLC'
const F32_ID = 'Llama-3.2-1B-Instruct-q4f32_1-MLC'
const GIB = 2 ** 30
const MIB = 2 ** 20

const NO_F16: GpuProbe = { hasAdapter: true, features: ['subgroups'], maxBufferSizeBytes: 2 * GIB, maxStorageBufferBindingSizeBytes: 2 * GIB }
const WITH_F16: GpuProbe = { ...NO_F16, features: ['shader-f16', 'subgroups'] }

function loadRequest(id: string): LoadRequest {
  return { model: { id, repo: 'mlc-ai', file: id }, fileName: '' }
}

// ---------------------------------------------------------------------------------------------------------------
// A fake MLC engine: streams scripted chunks shaped like web-llm's, honours interruptGenerate between chunks and,
// like web-llm, clears the interrupt flag when a generation starts.
// ---------------------------------------------------------------------------------------------------------------

interface Script {
  deltas: string[]
  finish?: ChatCompletionFinishReason
  usage?: CompletionUsage
  /** Thrown instead of the chunk at this index. */
  failAt?: number
}

function usageOf(prompt: number, completion: number): CompletionUsage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    extra: { e2e_latency_s: 0.5, prefill_tokens_per_s: 300, decode_tokens_per_s: 42.5, time_to_first_token_s: 0.04, time_per_output_token_s: 0.0235 },
  }
}

class FakeMlcEngine {
  script: Script = { deltas: ['Hello', ',', ' world'], usage: usageOf(12, 3) }
  readonly requests: ChatCompletionRequestStreaming[] = []
  interruptCalls = 0
  unloadCalls = 0
  loadedModelId: string | undefined
  /** Runs inside `create()`, before the stream starts: the time web-llm spends in prefill. */
  beforeStream?: () => void
  private interrupted = false
  private lastMessage = ''

  readonly chat = { completions: { create: (req: ChatCompletionRequestStreaming) => this.create(req) } }

  async create(req: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>> {
    this.requests.push(req)
    const script = this.script
    this.beforeStream?.()
    return this.stream(req, script)
  }

  private async* stream(req: ChatCompletionRequestStreaming, script: Script): AsyncGenerator<ChatCompletionChunk> {
    this.interrupted = false // web-llm: "An interrupt applies only to the request that was running when it was raised."
    this.lastMessage = ''
    let finish: ChatCompletionFinishReason = script.finish ?? 'stop'
    for (const [i, content] of script.deltas.entries()) {
      await Promise.resolve()
      if (this.interrupted) {
        finish = 'abort'
        break
      }
      if (i === script.failAt)
        throw new Error('GPU pipeline failed')
      this.lastMessage += content
      yield chunkOf({ content, ...(i === 0 && { role: 'assistant' as const }) }, null)
    }
    yield chunkOf({}, finish)
    if (req.stream_options?.include_usage && script.usage)
      yield { id: 'chatcmpl-1', choices: [], usage: script.usage, model: this.loadedModelId ?? '', object: 'chat.completion.chunk', created: 0 }
  }

  interruptGenerate(): void {
    this.interruptCalls++
    this.interrupted = true
  }

  async unload(): Promise<void> {
    this.unloadCalls++
    this.loadedModelId = undefined
  }

  async reload(modelId: string): Promise<void> {
    this.loadedModelId = modelId
  }

  async getMessage(): Promise<string> {
    return this.lastMessage
  }

  /** The fake implements only what the engine uses; the cast to the full interface is unavoidable. */
  asInterface(): MLCEngineInterface {
    return this as unknown as MLCEngineInterface
  }
}

function chunkOf(delta: ChatCompletionChunk.Choice.Delta, finish: ChatCompletionFinishReason | null): ChatCompletionChunk {
  return { id: 'chatcmpl-1', choices: [{ delta, finish_reason: finish, index: 0 }], model: '', object: 'chat.completion.chunk', created: 0 }
}

interface Harness {
  engine: WebLlmEngine
  fake: FakeMlcEngine
  factory: ReturnType<typeof vi.fn<CreateEngine>>
}

function harness(probe: GpuProbe = WITH_F16, progress: number[] = [0.25, 1]): Harness {
  const fake = new FakeMlcEngine()
  const factory = vi.fn<CreateEngine>(async (modelId, opts) => {
    for (const p of progress)
      opts.initProgressCallback({ progress: p, timeElapsed: p * 2, text: `Fetching param cache[${p}]` } satisfies InitProgressReport)
    await fake.reload(modelId)
    return fake.asInterface()
  })
  const engine = new WebLlmEngine({ createEngine: factory, probe: async () => probe, appConfig: prebuiltAppConfig })
  return { engine, fake, factory }
}

function runOf(signal = new AbortController().signal, onDelta: (text: string) => void = () => undefined): ChatRun {
  return { signal, queueWaitMs: 7, onDelta }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(() => 'resolved', (err: { code?: string }) => err.code ?? 'no code')
}

// ---------------------------------------------------------------------------------------------------------------

describe('MLC variants', () => {
  it('reads the quantization segment wherever it sits in the id', () => {
    expect(quantizationOf(F16_ID)).toBe('q4f16_1')
    expect(quantizationOf('gemma-2-2b-it-q4f32_1-MLC-1k')).toBe('q4f32_1')
    expect(quantizationOf('SmolLM2-360M-Instruct-q0f32-MLC')).toBe('q0f32')
    expect(quantizationOf('Llama-3.1-70B-Instruct-q3f16_1-MLC')).toBe('q3f16_1')
    expect(quantizationOf('Ministral-3-3B-Instruct-2512-BF16-q4f16_1-MLC')).toBe('q4f16_1')
    expect(quantizationOf('my-model')).toBeUndefined()
    expect(needsShaderF16('Qwen3-0.6B-q0f16-MLC')).toBe(true)
    expect(needsShaderF16('Qwen3-0.6B-q0f32-MLC')).toBe(false)
  })

  it('offers only f32 variants, and a non-empty list of them, on a GPU without shader-f16', () => {
    const offered = compatibleModels(MODELS, NO_F16)
    expect(offered.length).toBeGreaterThan(10)
    for (const m of offered)
      expect(quantizationOf(m.model_id), m.model_id).toMatch(/f32/)
    const ids = offered.map(m => m.model_id)
    expect(ids).toContain(F32_ID)
    expect(ids).toContain('SmolLM2-360M-Instruct-q0f32-MLC')
    expect(ids).not.toContain(F16_ID)
    // Every f32 model of the list is offered: the filter drops f16 models, not more.
    expect(ids).toEqual(MODELS.filter(m => !needsShaderF16(m.model_id)).map(m => m.model_id))
  })

  it('offers f16 and f32 variants on a GPU with shader-f16', () => {
    const ids = compatibleModels(MODELS, WITH_F16).map(m => m.model_id)
    expect(ids).toContain(F16_ID)
    expect(ids).toContain(F32_ID)
    expect(ids).toHaveLength(MODELS.length)
  })

  it('drops models whose storage binding exceeds what web-llm gets on the GPU', () => {
    // An adapter below 1 GiB makes web-llm fall back to a 128 MiB binding; gemma-2b needs 250 MiB.
    const small: GpuProbe = { ...NO_F16, maxStorageBufferBindingSizeBytes: 512 * MIB }
    expect(effectiveBindingBytes(small)).toBe(128 * MIB)
    const ids = compatibleModels(MODELS, small).map(m => m.model_id)
    expect(ids).not.toContain('gemma-2b-it-q4f32_1-MLC')
    expect(ids).toContain(F32_ID)
    expect(compatibleModels(MODELS, NO_F16).map(m => m.model_id)).toContain('gemma-2b-it-q4f32_1-MLC')
    const gemma = MODELS.find(m => m.model_id === 'gemma-2b-it-q4f32_1-MLC')!
    expect(checkModelSupported(gemma, small)).toEqual({
      ok: false,
      code: 'unsupported_device',
      message: 'This model needs GPU storage bindings of 250 MB; WebLLM gets 128 MB on this GPU. Pick another model.',
    })
  })

  it('drops models above a known VRAM budget', () => {
    const offered = compatibleModels(MODELS, { ...WITH_F16, vramBudgetMB: 1000 })
    expect(offered.map(m => m.model_id)).toContain('SmolLM2-360M-Instruct-q4f32_1-MLC')
    expect(offered.map(m => m.model_id)).not.toContain(F32_ID) // 1128.82 MB
    for (const m of offered)
      expect(m.vram_required_MB ?? 0).toBeLessThanOrEqual(1000)
  })

  it('offers nothing without an adapter and says why', () => {
    const none: GpuProbe = { hasAdapter: false, features: [], reason: 'No GPU here.' }
    expect(compatibleModels(MODELS, none)).toEqual([])
    expect(checkModelSupported(MODELS[0]!, none)).toEqual({ ok: false, code: 'unsupported_device', message: 'WebLLM needs WebGPU. No GPU here.' })
  })

  it('names the f32 alternative when an f16 model cannot run', () => {
    const record = MODELS.find(m => m.model_id === F16_ID)!
    expect(f32AlternativeOf(F16_ID, MODELS)?.model_id).toBe(F32_ID)
    expect(checkModelSupported(record, NO_F16, MODELS)).toEqual({
      ok: false,
      code: 'unsupported_device',
      message: `This model needs 16-bit float shaders (shader-f16), which this GPU does not offer. Use ${F32_ID} instead.`,
    })
    expect(checkModelSupported(record, WITH_F16, MODELS)).toEqual({ ok: true })
    // No q3f32 build of the 70B model exists, so the message says what to look for instead.
    const big = MODELS.find(m => m.model_id === 'Llama-3.1-70B-Instruct-q3f16_1-MLC')!
    const verdict = checkModelSupported(big, NO_F16, MODELS)
    expect(verdict.ok).toBe(false)
    expect(!verdict.ok && verdict.message).toMatch(/does not offer\. Pick a variant whose name contains q4f32_1 or q0f32\.$/)
  })

  it('tells chat models from embedding models', () => {
    expect(isChatModel(MODELS.find(m => m.model_id === F32_ID)!)).toBe(true)
    expect(isChatModel(MODELS.find(m => m.model_id === 'snowflake-arctic-embed-s-q0f32-MLC-b4')!)).toBe(false)
  })
})

describe('probeWebGpu', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('reads features, limits and info from a high-performance adapter', async () => {
    const requestAdapter = vi.fn<GpuLike['requestAdapter']>(async () => ({
      features: new Set(['subgroups', 'shader-f16']),
      limits: { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB },
      info: { vendor: 'nvidia', architecture: 'ampere' },
    }))
    const probe = await probeWebGpu({ requestAdapter })
    expect(requestAdapter).toHaveBeenCalledWith({ powerPreference: 'high-performance' })
    expect(probe).toEqual({
      hasAdapter: true,
      features: ['shader-f16', 'subgroups'],
      maxBufferSizeBytes: 4 * GIB,
      maxStorageBufferBindingSizeBytes: 2 * GIB,
      vendor: 'nvidia',
      architecture: 'ampere',
    })
  })

  it('reports no adapter, without throwing, when there is no GPU, no adapter or a failing request', async () => {
    vi.stubGlobal('navigator', {})
    const missing = await probeWebGpu()
    expect(missing).toMatchObject({ hasAdapter: false, features: [] })
    expect(missing.reason).toMatch(/navigator\.gpu is missing/)

    const noAdapter = await probeWebGpu({ requestAdapter: async () => null })
    expect(noAdapter).toMatchObject({ hasAdapter: false, features: [] })
    expect(noAdapter.reason).toMatch(/no usable GPU adapter/)

    const failing = await probeWebGpu({ requestAdapter: async () => { throw new Error('GPU process crashed') } })
    expect(failing.hasAdapter).toBe(false)
    expect(failing.reason).toBe('The WebGPU adapter request failed: GPU process crashed')
  })
})

describe('WebLlmEngine.load', () => {
  it('rejects an f16 model on a GPU without shader-f16 before any download starts', async () => {
    const { engine, factory } = harness(NO_F16)
    const err = await engine.load(loadRequest(F16_ID)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'unsupported_device' })
    expect((err as Error).message).toContain(`Use ${F32_ID} instead.`)
    expect(factory).not.toHaveBeenCalled()
    expect(engine.model).toBeNull()
  })

  it('loads an f32 model through the factory and reports progress', async () => {
    const { engine, factory, fake } = harness(NO_F16)
    const progress: Progress[] = []
    const loaded = await engine.load(loadRequest(F32_ID), { onProgress: p => progress.push(p) })

    expect(factory).toHaveBeenCalledTimes(1)
    expect(factory.mock.calls[0]?.[0]).toBe(F32_ID)
    expect(factory.mock.calls[0]?.[1].appConfig).toBe(prebuiltAppConfig)
    expect(fake.loadedModelId).toBe(F32_ID)
    expect(progress).toEqual([
      { phase: 'load', loadedBytes: 250, totalBytes: 1000, bytesPerSecond: 0 },
      { phase: 'load', loadedBytes: 1000, totalBytes: 1000, bytesPerSecond: 0 },
    ])
    expect(loaded).toMatchObject({
      model: loadRequest(F32_ID).model,
      hasChatTemplate: true,
      nCtx: 4096,
      nCtxTrain: 4096,
      threads: 0,
      isMultithread: false,
      backend: 'webgpu',
      notes: [],
    })
    expect(loaded.loadMs).toBeGreaterThanOrEqual(0)
    expect(engine.model).toBe(loaded)
  })

  it('takes the context size from the model record and notes a different requested size', async () => {
    const { engine } = harness(NO_F16)
    const loaded = await engine.load({ ...loadRequest('gemma-2-2b-it-q4f32_1-MLC-1k'), nCtx: 2048 })
    expect(loaded.nCtx).toBe(1024)
    expect(loaded.notes).toEqual(['WebLLM runs this model with its own context of 1024 tokens; the context size setting applies to GGUF models.'])
  })

  it('rejects an unknown id with model_not_found, using web-llm\'s own list by default', async () => {
    const factory = vi.fn<CreateEngine>()
    const engine = new WebLlmEngine({ createEngine: factory, probe: async () => WITH_F16 })
    expect(await codeOf(engine.load(loadRequest('ggml-org/models/stories260K.gguf')))).toBe('model_not_found')
    expect(factory).not.toHaveBeenCalled()
  })

  it.each([
    ['out of memory while allocating buffers', 'Error', 'out_of_memory'],
    ['The WebGPU device was lost while loading the model. This issue often occurs due to running out of memory (OOM).', 'DeviceLostError', 'out_of_memory'],
    ['This model requires WebGPU extension shader-f16, which is not enabled in this browser.', 'ShaderF16SupportError', 'unsupported_device'],
    ['Failed to fetch', 'TypeError', 'load_failed'],
  ])('maps a factory failure "%s" (%s) to %s', async (message, name, code) => {
    const { engine, factory } = harness()
    factory.mockImplementationOnce(async () => {
      const err = new Error(message)
      err.name = name
      throw err
    })
    expect(await codeOf(engine.load(loadRequest(F32_ID)))).toBe(code)
    expect(engine.model).toBeNull()
  })

  it('unloads the previous model before loading the next, and on unload()', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    await engine.load(loadRequest(F16_ID))
    expect(fake.unloadCalls).toBe(1)
    expect(engine.model?.model.id).toBe(F16_ID)
    await engine.unload()
    expect(fake.unloadCalls).toBe(2)
    expect(engine.model).toBeNull()
  })
})

describe('WebLlmEngine.chat', () => {
  it('rejects with model_not_loaded before a load', async () => {
    expect(await codeOf(harness().engine.chat({ messages: [{ role: 'user', content: 'Hi' }] }, runOf()))).toBe('model_not_loaded')
  })

  it('streams deltas in order and sums up text, finish reason, tokens and rates', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    const deltas: string[] = []
    const summary = await engine.chat({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'tool', content: '{"t":1}' }],
      sampling: { temperature: 0.2, topK: 40, topP: 0.9, maxTokens: 64, seed: 3 },
    }, runOf(undefined, t => deltas.push(t)))

    expect(deltas).toEqual(['Hello', ',', ' world'])
    expect(summary).toMatchObject({ text: 'Hello, world', finishReason: 'stop', mode: 'chat' })
    expect(summary.metrics).toMatchObject({
      engine: 'webllm',
      threads: 0,
      queueWaitMs: 7,
      promptTokens: 12,
      cachedTokens: 0,
      completionTokens: 3,
      prefillTokensPerSecond: 300,
      decodeTokensPerSecond: 42.5,
    })
    expect(summary.metrics.timeToFirstTokenMs).toBeGreaterThan(0)
    expect(summary.metrics.totalMs).toBeGreaterThanOrEqual(summary.metrics.timeToFirstTokenMs)
    expect(fake.requests[0]).toEqual({
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'user', content: '{"t":1}' }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
      top_p: 0.9,
      seed: 3,
    })
  })

  it('uses wllama\'s sampling defaults and reports a length stop', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    fake.script = { deltas: ['a', 'b'], finish: 'length', usage: usageOf(5, 2) }
    const summary = await engine.chat({ messages: [{ role: 'user', content: 'Hi' }] }, runOf())
    expect(summary.finishReason).toBe('length')
    expect(fake.requests[0]).toMatchObject({ temperature: 0.7, max_tokens: 256 })
    expect(fake.requests[0]).not.toHaveProperty('top_p')
  })

  it('stops on abort mid-stream through interruptGenerate, rejects aborted, and the next chat works', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    fake.script = { deltas: ['one', ' two', ' three', ' four', ' five'], usage: usageOf(4, 2) }
    const controller = new AbortController()
    const deltas: string[] = []
    const run = runOf(controller.signal, (t) => {
      deltas.push(t)
      if (deltas.length === 2)
        controller.abort()
    })
    const err = await engine.chat({ messages: [{ role: 'user', content: 'Count' }] }, run).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'aborted', name: 'AbortError' })
    expect(fake.interruptCalls).toBe(1)
    expect(deltas).toEqual(['one', ' two'])
    expect(await fake.getMessage()).toBe('one two')

    fake.script = { deltas: ['again'], usage: usageOf(3, 1) }
    const next = await engine.chat({ messages: [{ role: 'user', content: 'Again' }] }, runOf())
    expect(next.text).toBe('again')
    expect(fake.interruptCalls).toBe(1)
  })

  it('re-raises an abort that came during prefill, which web-llm would otherwise forget', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    const controller = new AbortController()
    fake.beforeStream = () => controller.abort()
    const deltas: string[] = []
    expect(await codeOf(engine.chat({ messages: [{ role: 'user', content: 'Hi' }] }, runOf(controller.signal, t => deltas.push(t))))).toBe('aborted')
    expect(deltas).toEqual([])
    expect(fake.interruptCalls).toBe(2) // the listener, then again at the first token, after the stream reset the flag
    expect(await fake.getMessage()).toBe('Hello') // the generation stopped after one token, not at the end
  })

  it('rejects at once when the signal is already aborted', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    expect(await codeOf(engine.chat({ messages: [{ role: 'user', content: 'Hi' }] }, runOf(AbortSignal.abort())))).toBe('aborted')
    expect(fake.requests).toHaveLength(0)
  })

  it('maps a failure inside the stream to inference_failed', async () => {
    const { engine, fake } = harness()
    await engine.load(loadRequest(F32_ID))
    fake.script = { deltas: ['a', 'b', 'c'], failAt: 1 }
    const err = await engine.chat({ messages: [{ role: 'user', content: 'Hi' }] }, runOf()).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'inference_failed', message: 'GPU pipeline failed' })
  })
})
