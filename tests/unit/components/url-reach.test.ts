// @vitest-environment happy-dom
/**
 * What the Models screen says about a model added by URL, by what the page's fetch met: the file (nothing to say), a
 * refusal by the page's own policy (Reload page), a redirect to a host no policy can list in advance, an error status,
 * or nothing at all (offline, no CORS). fetch and the policy's refusal event are stood in for; the words are the app's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { downloadReachError, urlReach } from '../../../src/composables/url-reach'
import { ERROR_HELP } from '../../../src/shared/errors'
import { watchSecurityPolicy } from '../../../src/composables/security-policy'

const URL_ = 'https://files.example.org/m/model.Q8_0.gguf'
const policy = new EventTarget()
watchSecurityPolicy(policy as unknown as Document)
const refuse = (blockedURI: string) => policy.dispatchEvent(Object.assign(new Event('securitypolicyviolation'), { effectiveDirective: 'connect-src', blockedURI }))

afterEach(() => vi.unstubAllGlobals())

describe('urlReach', () => {
  it('a file that answers: nothing to say', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('G', { status: 206 })))
    expect(await urlReach(URL_)).toEqual({ text: '', needsReload: false, kind: 'ok' })
  })

  it('an error status is named', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })))
    expect((await urlReach(URL_)).text).toBe('files.example.org answered HTTP 404 for this file: check the address.')
  })

  it('a host the page\'s policy refused: allowed from the next load, Reload page', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => {
      setTimeout(() => refuse(URL_), 10) // the refusal event follows the failed fetch
      throw new TypeError('Failed to fetch')
    }))
    expect(await urlReach('https://other.example.net/x.gguf')).toMatchObject({ needsReload: false })
    expect(await urlReach(URL_)).toEqual({ text: 'This page may download from files.example.org from its next load. Reload the page, then press Download.', needsReload: true, kind: 'refused' })
  })

  it('a redirect to a host no policy lists: download it in the browser and drop it here', async () => {
    vi.stubGlobal('fetch', vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.redirect === 'manual')
        return Object.defineProperty(new Response(null, { status: 200 }), 'type', { value: 'opaqueredirect' })
      throw new TypeError('Failed to fetch')
    }))
    const reach = await urlReach('https://redirects.example.com/x.gguf')
    expect(reach.needsReload).toBe(false)
    expect(reach.text).toContain('redirects.example.com sends this file from another address, which this page is not allowed to reach')
  })

  it('nothing reached and no refusal: offline or no CORS, in words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const reach = await urlReach('https://quiet.example.com/x.gguf', 100)
    expect(reach).toEqual({ text: 'quiet.example.com cannot be reached from this page: it is offline, or it does not let other sites download its files (no CORS header).', needsReload: false, kind: 'unreachable' })
  })
})

describe('downloadReachError: what a failed download says instead of its own error', () => {
  const redirectRefused = () => vi.stubGlobal('fetch', vi.fn(async (_url: string, init?: RequestInit) => {
    if (init?.redirect === 'manual')
      return Object.defineProperty(new Response(null, { status: 200 }), 'type', { value: 'opaqueredirect' })
    throw new TypeError('Failed to fetch')
  }))

  it('a hub set in Settings whose /resolve/ redirects to an address no policy lists: said, with the way round it', async () => {
    redirectRefused()
    const err = await downloadReachError('https://hub.example.org/o/r/resolve/main/m.gguf', false)
    // Its own code, whose next step is the way round (not download_failed's "check your connection": a newcomer).
    expect(err?.code).toBe('redirect_blocked')
    expect(err?.message).toBe('It redirects from https://hub.example.org/o/r/resolve/main/m.gguf.')
    expect(ERROR_HELP.redirect_blocked.action).toContain('drop it on "Drop a .gguf here"')
  })

  it('a hub the page\'s policy refused: reload_needed', async () => {
    const url = 'https://hub.example.org/o/r/resolve/main/m.gguf'
    vi.stubGlobal('fetch', vi.fn(async () => {
      setTimeout(() => refuse(url), 10)
      throw new TypeError('Failed to fetch')
    }))
    expect((await downloadReachError(url, false))?.code).toBe('reload_needed')
  })

  it('a hub file that answers now, or a hub not reached at all, keeps the download\'s own error; a URL model takes any answer', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('G', { status: 206 })))
    expect(await downloadReachError('https://hub.example.org/o/r/resolve/main/m.gguf', false)).toBeUndefined()
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    expect(await downloadReachError('https://quiet.example.org/o/r/resolve/main/m.gguf', false)).toBeUndefined()
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })))
    expect((await downloadReachError('https://files.example.org/x.gguf', true))?.message).toBe('files.example.org answered HTTP 404 for this file: check the address.')
  })
})
