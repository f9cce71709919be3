/** Issue 17 item 2: endpoint settings and app-config.json accept only well-formed http(s) addresses. */
import { describe, expect, it } from 'vitest'
import { endpointOrigin, endpointProblem, hostOf, isCanonicalOrigin } from '../../../src/shared/origin'
import { DEFAULT_SETTINGS, sanitizeSettings, validateSettings } from '../../../src/stores/settings-schema'

/** Each kind of value that once reached the CSP or fetch(), with why it is refused. */
export const HOSTILE_ENDPOINTS: ReadonlyArray<readonly [string, string]> = [
  ['http://x;img-src', 'bad_character'],
  ['http://x; img-src *', 'bad_character'],
  ['http://*', 'bad_character'],
  ['https://*.example.com', 'bad_character'],
  ['http://a.example,http://b.example', 'bad_character'],
  ['http://a.example http://b.example', 'bad_character'],
  ['http://a.example\thttp://b.example', 'bad_character'],
  ['http://a.example\n', 'bad_character'],
  ['http://\'unsafe-inline\'', 'bad_character'],
  ['javascript:alert(1)', 'not_http'],
  ['data:text/html,x', 'bad_character'],
  ['ftp://files.example', 'not_http'],
  ['file:///etc/passwd', 'not_http'],
  ['blob:https://a.example/1', 'not_http'],
  ['huggingface.co', 'not_url'],
  ['http://', 'not_url'],
  ['http://user:pass@hub.example', 'credentials'],
  ['http://user@hub.example', 'credentials'],
  ['http://a_b.example', 'bad_host'],
  ['http://-a.example', 'bad_host'],
  ['http://a..example', 'bad_host'],
  [`http://${'a'.repeat(64)}.example`, 'bad_host'],
  ['http://a%20b.example', 'not_url'],
  ['http://a!b.example', 'bad_host'],
  ['http://a$b.example', 'bad_host'],
  ['https://hub.example/?q=1', 'query'],
  ['https://hub.example/#x', 'query'],
  [`https://hub.example/${'x'.repeat(2100)}`, 'not_text'],
]

describe('endpointProblem', () => {
  it.each(HOSTILE_ENDPOINTS)('refuses %j (%s)', (value, problem) => {
    expect(endpointProblem(value)).toBe(problem)
    expect(endpointOrigin(value)).toBeUndefined()
  })

  it.each([
    ['https://huggingface.co', 'https://huggingface.co'],
    ['http://localhost:8080/v1', 'http://localhost:8080'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['http://[::1]:11434/v1/', 'http://[::1]:11434'],
    ['https://HF-Mirror.Example/api', 'https://hf-mirror.example'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
  ])('accepts %s as origin %s', (value, origin) => {
    expect(endpointProblem(value)).toBeUndefined()
    expect(endpointOrigin(value)).toBe(origin)
    expect(isCanonicalOrigin(origin)).toBe(true)
  })

  it('treats non-text as not an address', () => {
    for (const v of [undefined, null, 42, {}, ['https://a.example']])
      expect(endpointProblem(v)).toBe('not_text')
  })
})

describe('endpoint settings', () => {
  const fields = ['hubUrl', 'openaiUrl', 'geminiBaseUrl'] as const

  it.each(HOSTILE_ENDPOINTS.map(([v]) => [v]))('rejects %j in every endpoint field, with a message saying what is expected', (value) => {
    for (const field of fields) {
      const errors = validateSettings({ ...DEFAULT_SETTINGS, [field]: value })
      expect(errors[field]).toMatch(/http:\/\/ or https:\/\//)
      // A saved bad value (older version, hand edit) reads back as the default.
      expect(sanitizeSettings({ [field]: value })[field]).toBe('')
    }
  })

  it('accepts the addresses the setup guide gives', () => {
    expect(validateSettings({ ...DEFAULT_SETTINGS, hubUrl: 'https://hf-mirror.example', openaiUrl: 'http://localhost:11434/v1', geminiBaseUrl: 'http://127.0.0.1:9999' })).toEqual({})
  })
})

describe('hostOf (the host messages name)', () => {
  it('gives the host with its port, or the text as given when it is not a URL', () => {
    expect(hostOf('http://localhost:11434/v1')).toBe('localhost:11434')
    expect(hostOf('https://huggingface.co/someone/model/resolve/main/x.gguf')).toBe('huggingface.co')
    expect(hostOf('not a url')).toBe('not a url')
    expect(hostOf('')).toBe('')
  })
})
