/** The service worker's and preview server's headers (src/workers/service-worker/sw-headers.ts). */
import { describe, expect, it } from 'vitest'
import { buildCsp, endpointOrigins, withAppHeaders } from '../../../src/workers/service-worker/sw-headers'

function directive(csp: string, name: string): string[] {
  return csp.split(';').map(d => d.trim().split(/\s+/)).find(d => d[0] === name)?.slice(1) ?? []
}

describe('CSP', () => {
  it('allows scripts only from the app, plus WebAssembly compilation, and no JS eval', () => {
    const csp = buildCsp()
    expect(directive(csp, 'script-src')).toEqual(['\'self\'', '\'wasm-unsafe-eval\''])
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('\'unsafe-eval\'')
    expect(directive(csp, 'object-src')).toEqual(['\'none\''])
  })

  it('limits connect-src to the app, the hub, Gemini and the configured endpoints', () => {
    const connect = directive(buildCsp(endpointOrigins({
      hubUrl: 'https://hub.example/x', openaiUrl: 'http://localhost:8080/v1', geminiBaseUrl: 'javascript:alert(1)',
    })), 'connect-src')
    expect(connect).toContain('\'self\'')
    expect(connect).toContain('https://huggingface.co')
    expect(connect).toContain('https://generativelanguage.googleapis.com')
    expect(connect).toContain('https://hub.example')
    expect(connect).toContain('http://localhost:8080')
    expect(connect.join(' ')).not.toContain('javascript')
    expect(connect).not.toContain('*')
    expect(connect).not.toContain('https:')
  })

  it.each([
    'http://x;img-src', 'http://x; img-src *', 'http://*', 'https://*.example.com', 'http://a.example http://b.example',
    'http://a.example,http://b.example', 'http://\'unsafe-inline\'', 'javascript:alert(1)', 'http://user:pw@a.example',
  ])('the saved endpoint %j adds no source and no directive (issue 17 item 2)', (bad) => {
    const csp = buildCsp(endpointOrigins({ hubUrl: bad, openaiUrl: bad, geminiBaseUrl: bad }))
    expect(csp).toBe(buildCsp())
    // Whatever a caller passes, only parsed origins reach the policy.
    expect(buildCsp([bad, 'https://ok.example'])).toBe(buildCsp(['https://ok.example']))
    expect(csp.split(';').map(d => d.trim().split(/\s+/)[0])).toEqual(buildCsp().split(';').map(d => d.trim().split(/\s+/)[0]))
  })

  it('ignores missing, empty and malformed endpoints', () => {
    expect(endpointOrigins(undefined)).toEqual([])
    expect(endpointOrigins({ hubUrl: '', openaiUrl: 'not a url', geminiBaseUrl: 42 })).toEqual([])
  })
})

describe('withAppHeaders', () => {
  it('adds COOP, COEP and the CSP and keeps the body, status and other headers', async () => {
    const res = withAppHeaders(new Response('<p>hi</p>', { status: 200, headers: { 'Content-Type': 'text/html' } }), 'default-src \'self\'')
    expect(res.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin')
    expect(res.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp')
    expect(res.headers.get('Content-Security-Policy')).toBe('default-src \'self\'')
    expect(res.headers.get('Content-Type')).toBe('text/html')
    expect(await res.text()).toBe('<p>hi</p>')
  })
})
