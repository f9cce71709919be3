/**
 * Models added by URL reach the service worker's policy: their hosts as origins, nothing else from the saved value
 * (it may be old or hand-edited), and buildCsp admits them to connect-src only.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { MAX_URL_MODELS, forgetUrlModel, rememberUrlModel, savedUrlModels } from '../../../src/models/url-models'
import { urlModelOrigins } from '../../../src/shared/url-model-origins'
import { buildCsp } from '../../../src/workers/service-worker/sw-headers'

describe('models added by URL', () => {
  it('give their hosts as origins; junk, other schemes and wildcards give none', () => {
    expect(urlModelOrigins([
      'https://files.example.org/a/model.Q8_0.gguf',
      'http://127.0.0.1:8000/m.gguf?x=1',
      'https://files.example.org/b.gguf',
      'javascript:alert(1)',
      'ftp://host/x.gguf',
      'https://*.example.com/x.gguf',
      'not a url',
      42,
    ])).toEqual(['https://files.example.org', 'http://127.0.0.1:8000'])
    expect(urlModelOrigins(undefined)).toEqual([])
    expect(urlModelOrigins('https://x.org/a.gguf')).toEqual([])
  })

  it('reach connect-src of the policy, and no other directive', () => {
    const csp = buildCsp(urlModelOrigins(['https://files.example.org/a.gguf']))
    const connect = csp.split(';').find(d => d.trim().startsWith('connect-src'))!
    expect(connect).toContain('https://files.example.org')
    expect(csp.split(';').filter(d => d.includes('files.example.org'))).toHaveLength(1)
  })

  it('are remembered once each, newest last, at most MAX_URL_MODELS', async () => {
    await rememberUrlModel('https://a.org/1.gguf')
    await rememberUrlModel('https://a.org/2.gguf')
    await rememberUrlModel('https://a.org/1.gguf')
    expect(await savedUrlModels()).toEqual(['https://a.org/2.gguf', 'https://a.org/1.gguf'])
    for (let i = 0; i < MAX_URL_MODELS + 5; i++)
      await rememberUrlModel(`https://b.org/${i}.gguf`)
    const saved = await savedUrlModels()
    expect(saved).toHaveLength(MAX_URL_MODELS)
    expect(saved.at(-1)).toBe(`https://b.org/${MAX_URL_MODELS + 4}.gguf`)
  })
  it('is forgotten when its model is deleted, the others kept', async () => {
    await rememberUrlModel('https://c.org/keep.gguf')
    await rememberUrlModel('https://c.org/gone.gguf')
    await forgetUrlModel('https://c.org/gone.gguf')
    const saved = await savedUrlModels()
    expect(saved).toContain('https://c.org/keep.gguf')
    expect(saved).not.toContain('https://c.org/gone.gguf')
  })
})
