/**
 * The service worker's CSP keeps the mirror's CDN origin on a page opened offline (a newcomer's report, item 2: the
 * offline-served policy left it out, so downloads failed with "Failed to fetch" once back online).
 */
import 'fake-indexeddb/auto'
import { clear } from 'idb-keyval'
import { beforeEach, describe, expect, it } from 'vitest'
import { downloadOrigins } from '../../../src/workers/service-worker/sw-download-origins'

const CDN = 'http://localhost:4172'
const config = (body: unknown, status = 200) => async () => new Response(JSON.stringify(body), { status })
const offline = async (): Promise<Response> => {
  throw new TypeError('Failed to fetch')
}

beforeEach(() => clear())

describe('downloadOrigins (service worker)', () => {
  it('offline, gives the origins the server gave last, not none', async () => {
    expect(await downloadOrigins(config({ downloadOrigins: [CDN, 42] }))).toEqual([CDN])
    expect(await downloadOrigins(offline)).toEqual([CDN])
    // A server error is not an answer either.
    expect(await downloadOrigins(config({}, 503))).toEqual([CDN])
  })

  it('a new answer replaces the kept one; a host without app-config.json has none; never asked and offline: none', async () => {
    expect(await downloadOrigins(offline)).toEqual([])
    await downloadOrigins(config({ downloadOrigins: [CDN] }))
    expect(await downloadOrigins(config({ downloadOrigins: [] }))).toEqual([])
    expect(await downloadOrigins(offline)).toEqual([])
    expect(await downloadOrigins(config('Not found', 404))).toEqual([])
  })
})
