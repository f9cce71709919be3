import { describe, expect, it } from 'vitest'
import { EngineRouter, lazyEngine } from '../../../src/workers/inference/engine-router'
import type { ChatRequest, ChatSummary, Progress } from '../../../src/contract/types'
import type { ChatRun, WorkerEngine } from '../../../src/workers/inference/worker-engine'
import type { LoadedModel, LoadRequest } from '../../../src/contract/messages'
import { LOAD, summaryOf } from './fakes'

const MLC_LOAD: LoadRequest = {
  engine: 'webllm',
  model: { id: 'SmolLM2-135M-Instruct-q0f16-MLC', repo: 'mlc-ai/SmolLM2-135M-Instruct-q0f16-MLC', file: '' },
  fileName: '',
}

const PROGRESS: Progress = { phase: 'load', loadedBytes: 512, totalBytes: 1024, bytesPerSecond: 0 }

/** An engine that writes what it is asked to do into a log shared with the other engine, so order shows. */
class RecordingEngine implements WorkerEngine {
  model: LoadedModel | null = null
  readonly loadOptions: Array<{ onProgress?: (p: Progress) => void } | undefined> = []

  constructor(private readonly name: 'wllama' | 'webllm', private readonly log: string[]) {}

  async load(req: LoadRequest, opts?: { onProgress?: (p: Progress) => void }): Promise<LoadedModel> {
    this.log.push(`${this.name}.load ${req.model.id}`)
    this.loadOptions.push(opts)
    opts?.onProgress?.(PROGRESS)
    this.model = {
      model: req.model,
      hasChatTemplate: true,
      nCtx: 1024,
      nCtxTrain: 2048,
      threads: 1,
      threadSource: 'single',
      isMultithread: false,
      backend: this.name === 'webllm' ? 'webgpu' : 'cpu',
      gpuLayers: 0,
      notes: [],
      estimatedMemoryBytes: 0,
      loadMs: 1,
    }
    return this.model
  }

  async chat(req: ChatRequest, _run: ChatRun): Promise<ChatSummary> {
    this.log.push(`${this.name}.chat ${req.messages.at(-1)?.content}`)
    return summaryOf([this.name])
  }

  async unload(): Promise<void> {
    this.log.push(`${this.name}.unload`)
    this.model = null
  }
}

function setup() {
  const log: string[] = []
  const wllama = new RecordingEngine('wllama', log)
  const webllm = new RecordingEngine('webllm', log)
  return { log, wllama, webllm, router: new EngineRouter({ wllama, webllm }) }
}

const RUN: ChatRun = { signal: new AbortController().signal, queueWaitMs: 0, onDelta: () => undefined }
const ask = (content: string): ChatRequest => ({ messages: [{ role: 'user', content }] })

describe('EngineRouter', () => {
  it('loads on wllama when the request names no engine', async () => {
    const { log, router, wllama } = setup()
    const loaded = await router.load(LOAD)
    expect(log).toEqual([`wllama.load ${LOAD.model.id}`])
    expect(loaded).toBe(wllama.model)
  })

  it('sends a chat to wllama before anything is loaded (which answers model_not_loaded)', async () => {
    const { log, router } = setup()
    await router.chat(ask('hi'), RUN)
    expect(log).toEqual(['wllama.chat hi'])
  })

  it('unloads the other engine before loading on a new one', async () => {
    const { log, router, wllama, webllm } = setup()
    await router.load(LOAD)
    await router.load(MLC_LOAD)
    expect(log).toEqual([`wllama.load ${LOAD.model.id}`, 'wllama.unload', `webllm.load ${MLC_LOAD.model.id}`])
    expect(wllama.model).toBeNull()
    expect(webllm.model?.model).toEqual(MLC_LOAD.model)

    await router.load(LOAD)
    expect(log.slice(3)).toEqual(['webllm.unload', `wllama.load ${LOAD.model.id}`])
  })

  it('does not unload when the same engine loads again (the engine replaces its own model)', async () => {
    const { log, router } = setup()
    await router.load(LOAD)
    await router.load({ ...LOAD, nCtx: 1024 })
    expect(log).toEqual([`wllama.load ${LOAD.model.id}`, `wllama.load ${LOAD.model.id}`])
  })

  it('sends chats to the active engine', async () => {
    const { log, router } = setup()
    await router.load(MLC_LOAD)
    const summary = await router.chat(ask('hello'), RUN)
    expect(summary.text).toBe('webllm')
    expect(log.at(-1)).toBe('webllm.chat hello')
    expect(log.filter(l => l.startsWith('wllama'))).toEqual([])
  })

  it('unloads the active engine only', async () => {
    const { log, router } = setup()
    await router.load(MLC_LOAD)
    await router.unload()
    expect(log).toEqual([`webllm.load ${MLC_LOAD.model.id}`, 'webllm.unload'])
    expect(router.model).toBeNull()
  })

  it('reports the active engine\'s model', async () => {
    const { router, wllama, webllm } = setup()
    expect(router.model).toBeNull()
    await router.load(LOAD)
    expect(router.model).toBe(wllama.model)
    expect(router.model?.model.id).toBe(LOAD.model.id)
    await router.load(MLC_LOAD)
    expect(router.model).toBe(webllm.model)
    expect(router.model?.backend).toBe('webgpu')
  })

  it('passes onProgress through to the engine that loads', async () => {
    const { router, webllm } = setup()
    const seen: Progress[] = []
    const onProgress = (p: Progress) => seen.push(p)
    await router.load(MLC_LOAD, { onProgress })
    expect(webllm.loadOptions[0]?.onProgress).toBe(onProgress)
    expect(seen).toEqual([PROGRESS])
  })
})

describe('lazyEngine', () => {
  it('creates the engine on its first load only, once, and then delegates to it', async () => {
    const log: string[] = []
    let created = 0
    const engine = lazyEngine(async () => {
      created++
      return new RecordingEngine('wllama', log)
    })
    const router = new EngineRouter({ wllama: engine, webllm: new RecordingEngine('webllm', log) })
    expect(created).toBe(0)
    expect(router.model).toBeNull()
    await router.unload()
    expect(created).toBe(0)

    await Promise.all([router.load(LOAD), router.load({ ...LOAD, nCtx: 1024 })])
    expect(created).toBe(1)
    expect(router.model?.model.id).toBe(LOAD.model.id)
    await router.chat(ask('hi'), RUN)
    await router.unload()
    expect(log).toEqual([`wllama.load ${LOAD.model.id}`, `wllama.load ${LOAD.model.id}`, 'wllama.chat hi', 'wllama.unload'])
  })

  it('answers model_not_loaded to a chat before any load, without creating the engine', async () => {
    let created = 0
    const engine = lazyEngine(async () => {
      created++
      return new RecordingEngine('wllama', [])
    })
    await expect(engine.chat(ask('hi'), RUN)).rejects.toMatchObject({ code: 'model_not_loaded' })
    expect(created).toBe(0)
  })

  it('tries the import again on the next load after a failed one', async () => {
    let attempts = 0
    const engine = lazyEngine(async () => {
      if (++attempts === 1)
        throw new TypeError('Failed to fetch dynamically imported module')
      return new RecordingEngine('wllama', [])
    })
    await expect(engine.load(LOAD)).rejects.toThrow('dynamically imported')
    await expect(engine.load(LOAD)).resolves.toMatchObject({ model: LOAD.model })
    expect(attempts).toBe(2)
  })
})
