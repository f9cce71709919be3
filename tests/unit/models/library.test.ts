/**
 * Library logic that needs no browser: split GGUF part names, the least-recently-used suggestion, tool support from
 * a chat template, and the download worker's handler (progress, notices, result, abort, bad requests).
 */
import { describe, expect, it } from 'vitest'
import type { ModelRef } from '../../../src/contract/types'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveModelsDir } from '../../../server/models-dir'
import { PUBLIC_CATALOG, RECOMMENDED_MODEL } from '../../../src/models/catalog'
import { createDownloadHandler, type DownloadEvent } from '../../../src/downloads/download-protocol'
import type { DownloadOptions } from '../../../src/downloads/downloader'
import { templateSupportsTools, type StoredModel } from '../../../src/models/manifest'
import { isLaterSplitPart, splitParts } from '../../../src/models/split'
import { lruSuggestion } from '../../../src/models/storage'
import { AppError } from '../../../src/shared/errors'

describe('split GGUFs', () => {
  it('expands any part to every part, in order', () => {
    expect(splitParts('q/model-Q4_K_M-00002-of-00003.gguf')).toEqual([
      'q/model-Q4_K_M-00001-of-00003.gguf', 'q/model-Q4_K_M-00002-of-00003.gguf', 'q/model-Q4_K_M-00003-of-00003.gguf',
    ])
    expect(splitParts('model.gguf')).toEqual(['model.gguf'])
    expect(splitParts('model-00001-of-00000.gguf')).toEqual(['model-00001-of-00000.gguf'])
  })

  it('lists a split model once, by its first part', () => {
    expect(isLaterSplitPart('m-00001-of-00002.gguf')).toBe(false)
    expect(isLaterSplitPart('m-00002-of-00002.gguf')).toBe(true)
    expect(isLaterSplitPart('m.gguf')).toBe(false)
  })
})

const model = (id: string, sizeBytes: number, lastUsedAt: number): StoredModel => ({
  ref: { id, repo: 'r/r', file: id }, fileName: id, sizeBytes, sha256: '', state: 'ready', hasChatTemplate: true,
  storedAt: 0, lastUsedAt,
})

describe('lruSuggestion', () => {
  const models = [model('new', 300, 30), model('old', 100, 10), model('mid', 200, 20)]

  it('suggests the least recently used models until the download fits', () => {
    expect(lruSuggestion(models, 250, 0).map(m => m.ref.id)).toEqual(['old', 'mid'])
    expect(lruSuggestion(models, 150, 60).map(m => m.ref.id)).toEqual(['old'])
  })

  it('suggests nothing when the download fits, or when deleting everything would not help', () => {
    expect(lruSuggestion(models, 100, 100)).toEqual([])
    expect(lruSuggestion(models, 10_000, 0)).toEqual([])
  })

  it('never suggests the loaded model', () => {
    expect(lruSuggestion(models, 250, 0, 'old').map(m => m.ref.id)).toEqual(['mid', 'new'])
  })
})

describe('templateSupportsTools', () => {
  it('sees tools in a template that renders them, not in a plain chat template', () => {
    expect(templateSupportsTools('{% if tools %}<tools>{{ tools }}</tools>{% endif %}')).toBe(true)
    expect(templateSupportsTools('{% for m in message.tool_calls %}{% endfor %}')).toBe(true)
    expect(templateSupportsTools('<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>')).toBe(false)
    expect(templateSupportsTools(undefined)).toBe(false)
  })
})

describe('download worker handler', () => {
  const REF: ModelRef = { id: 'local/models/a.gguf', repo: 'local/models', file: 'a.gguf', revision: 'main' }

  function drive(run: (ref: ModelRef, opts: DownloadOptions) => Promise<StoredModel>) {
    const events: DownloadEvent[] = []
    const handle = createDownloadHandler(run)
    let settle: (e: DownloadEvent) => void = () => undefined
    const settled = new Promise<DownloadEvent>((resolve) => { settle = resolve })
    const post = (e: DownloadEvent) => {
      events.push(e)
      if (e.type === 'result' || e.type === 'error')
        settle(e)
    }
    handle({ id: 'd1', type: 'download', ref: REF, hubUrl: 'http://hub' }, post)
    return { events, settled, abort: () => handle({ id: 'd1', type: 'abort' }, post) }
  }

  it('forwards plan, progress and notices, then the result', async () => {
    const { events, settled } = drive(async (_ref, opts) => {
      opts.onPlan?.(10)
      opts.onProgress?.({ phase: 'download', loadedBytes: 5, totalBytes: 10, bytesPerSecond: 1 })
      opts.onNotice?.('download corrupted (expected a, got b) Downloading it again.')
      return model('a.gguf', 10, 0)
    })
    expect(await settled).toMatchObject({ id: 'd1', type: 'result' })
    expect(events.map(e => e.type)).toEqual(['plan', 'progress', 'notice', 'result'])
  })

  it('aborts the running download: it answers error aborted', async () => {
    const { settled, abort } = drive((_ref, opts) => new Promise((_, reject) => {
      opts.signal?.addEventListener('abort', () => reject(new AppError('aborted')))
    }))
    abort()
    expect(await settled).toMatchObject({ type: 'error', error: { code: 'aborted' } })
  })

  it('answers an unknown request with an error instead of throwing', () => {
    const events: DownloadEvent[] = []
    createDownloadHandler()({ id: 'x', type: 'nonsense' } as never, e => events.push(e))
    expect(events).toMatchObject([{ id: 'x', type: 'error' }])
  })
})

describe('the public catalog (data)', () => {
  it('lists the recommended small instruct GGUFs with every fact the library shows', () => {
    expect(PUBLIC_CATALOG.length).toBeGreaterThanOrEqual(7)
    for (const m of PUBLIC_CATALOG) {
      expect(m.repo).toMatch(/^[\w.-]+\/[\w.-]+$/)
      expect(m.file).toMatch(/\.gguf$/)
      expect(m.id).toBe(`${m.repo}/${m.file}`)
      expect(m.quantization && m.license && m.label).toBeTruthy()
      expect(m.sizeBytes! > 5e7 && m.ramBytes! > m.sizeBytes!).toBe(true)
      expect(typeof m.hasToolSupport).toBe('boolean')
    }
    expect(PUBLIC_CATALOG.map(m => m.label)).toEqual(expect.arrayContaining([
      'SmolLM2 135M Instruct', 'SmolLM2 360M Instruct', 'Qwen2.5 0.5B Instruct', 'Qwen2.5 1.5B Instruct',
      'Llama 3.2 1B Instruct', 'Gemma 3 270M it', 'Gemma 3 1B it',
    ]))
  })

  it('recommends the instruct model the tests ship, pinned to the Hub revision its bytes are a copy of', () => {
    const dir = resolveModelsDir()
    if (!dir)
      throw new Error('The test models were not found (../shared/models): set MODELS_DIR to the folder holding models.json.')
    const shipped = (JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8')) as { models: Array<{ file: string, bytes: number, kind: string, hub: { repo: string, revision: string, file: string } | null }> })
      .models.find(m => m.kind === 'chat' && m.hub)!
    expect(RECOMMENDED_MODEL).toMatchObject({ repo: shipped.hub!.repo, file: shipped.hub!.file, revision: shipped.hub!.revision, sizeBytes: shipped.bytes })
    expect(PUBLIC_CATALOG[0]).toBe(RECOMMENDED_MODEL)
    // Its chat template has no tool-calling section: the catalog must not promise tools.
    expect(RECOMMENDED_MODEL.hasToolSupport).toBe(false)
  })
})
