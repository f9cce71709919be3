/** Issue 17 item 2: app-config.json values are checked before use or caching (src/models/server-config.ts). */
import { describe, expect, it } from 'vitest'
import { MAX_CONFIG_BYTES, parseServerConfig } from '../../../src/models/server-config'

describe('parseServerConfig', () => {
  it('keeps a well-formed config as it is', () => {
    const raw = {
      hubUrl: 'http://localhost:5173',
      threadProbeMaxBytes: 268435456,
      models: [{ repo: 'local/models', file: 'stories260K.gguf', sizeBytes: 1185376 }],
      hubModels: [{ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf', revision: 'abc123', sizeBytes: 1 }],
      defaultModel: { repo: 'local/models', file: 'stories260K.gguf' },
    }
    expect(parseServerConfig(raw)).toEqual({ config: raw, problems: [] })
  })

  it.each(['javascript:alert(1)', 'http://*', 'http://x;img-src', 'data:,x', 42, ''])('drops the hub %j', (hubUrl) => {
    const { config, problems } = parseServerConfig({ hubUrl, models: [{ repo: 'local/models', file: 'a.gguf' }] })
    expect(config.hubUrl).toBeUndefined()
    expect(config.models).toHaveLength(1)
    expect(problems.join()).toContain('hubUrl')
  })

  it.each([1e300, -1, Number.NaN, Infinity, 1.5, '100', MAX_CONFIG_BYTES + 1])('drops the byte count %j', (n) => {
    const { config } = parseServerConfig({
      threadProbeMaxBytes: n,
      models: [{ repo: 'local/models', file: 'a.gguf', sizeBytes: n }, { repo: 'local/models', file: 'b.gguf', sizeBytes: 5 }],
    })
    expect(config.threadProbeMaxBytes).toBeUndefined()
    // The file is still offered, its size unknown.
    expect(config.models).toEqual([{ repo: 'local/models', file: 'a.gguf' }, { repo: 'local/models', file: 'b.gguf', sizeBytes: 5 }])
  })

  it.each([
    { repo: '../etc', file: 'a.gguf' },
    { repo: 'a/b', file: '../../a.gguf' },
    { repo: 'a/b', file: '/abs.gguf' },
    { repo: 'a/b', file: 'a\\b.gguf' },
    { repo: 'a/b', file: 'a\u0000.gguf' },
    { repo: 'a/b', file: 'a.gguf', revision: 'x y' },
    { repo: 'a/b c', file: 'a.gguf' },
    'a.gguf',
    null,
  ])('drops the entry %j', (entry) => {
    const { config, problems } = parseServerConfig({ hubModels: [entry], defaultModel: entry })
    expect(config.hubModels).toEqual([])
    expect(config.defaultModel).toBeUndefined()
    expect(problems.length).toBe(2)
  })

  it('reads a missing or non-object config as empty', () => {
    expect(parseServerConfig(undefined)).toEqual({ config: {}, problems: [] })
    expect(parseServerConfig([1]).config).toEqual({})
    expect(parseServerConfig('x').config).toEqual({})
    expect(parseServerConfig({ models: 'x' }).config).toEqual({})
  })
})
