/**
 * A hub that answers with an error status is named for what it said, not "could not be reached": the listing call
 * (`hubGgufFiles`, through @huggingface/hub) against a local server that answers each status, and against a port
 * where nothing listens (the one case that is "not reached").
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubGgufFiles } from '../../../src/models/hub-client'
import type { AppError } from '../../../src/shared/errors'

let server: Server
let hubUrl: string

beforeAll(async () => {
  // The repository name carries the status to answer: owner/s500 -> HTTP 500.
  server = createServer((req, res) => {
    const status = Number(/\/s(\d{3})/.exec(req.url ?? '')?.[1] ?? 404)
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: '<b>server words</b>' }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

const failure = (repo: string, url = hubUrl) => hubGgufFiles(repo, url).then(() => undefined, (e: AppError) => e)

describe('hub errors by status', () => {
  it.each([
    [403, 'request_rejected', /refused access to owner\/s403 \(HTTP 403\): the repository is gated or private/],
    [429, 'rate_limited', /too many requests from you \(HTTP 429\)/],
    [500, 'service_unavailable', /had a problem answering \(HTTP 500\)\. This is on its side\./],
    [503, 'service_unavailable', /\(HTTP 503\)/],
    [418, 'download_failed', /answered HTTP 418/],
    [404, 'model_not_found', /has no public repository named "owner\/s404"/],
  ])('HTTP %i is %s, naming the host', async (status, code, words) => {
    const err = await failure(`owner/s${status}`)
    expect(err?.code).toBe(code)
    expect(err?.message).toMatch(words)
    expect(err?.message).toContain('127.0.0.1')
    expect(err?.message).not.toContain('server words')
  })

  it('a hub where nothing listens could not be reached', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise<void>(resolve => closed.close(() => resolve()))
    const err = await failure('owner/repo', url)
    expect(err?.code).toBe('download_failed')
    expect(err?.message).toMatch(/could not be reached/)
  })
})
