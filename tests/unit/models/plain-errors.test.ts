/**
 * Issue 16: errors leaked internals. Each kind is fixed where it is made, and named with its host:
 * `"" was not found in someone/nothing-here` (the quantization picker on a repository the hub does not have) and
 * `The connection to The OpenAI-compatible server failed (Failed to fetch)` (a cloud request that found no server).
 * The import's `must have required property 'format'` is covered in tests/unit/conversations/export-import.test.ts.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { networkError } from '../../../src/services/cloud/cloud-common'
import { hubGgufFiles } from '../../../src/models/hub-client'

let hub: Server
let hubUrl = ''

beforeAll(async () => {
  // A hub that has no repository at all: every API call answers 404, as huggingface.co does for an unknown repo.
  hub = createServer((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}'))
  await new Promise<void>(resolve => hub.listen(0, '127.0.0.1', resolve))
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>(resolve => hub.close(() => resolve())))

describe('errors in the person\'s words, naming the host', () => {
  it('a repository the hub does not have is named with the hub\'s host, not as "" was not found', async () => {
    const err = await hubGgufFiles('someone/nothing-here', hubUrl).catch((e: unknown) => e as Error)
    expect(err).toMatchObject({ code: 'model_not_found' })
    const host = new URL(hubUrl).host
    expect((err as Error).message).toBe(`${host} has no public repository named "someone/nothing-here". Check the name (owner/repository) on ${host}.`)
    expect((err as Error).message).not.toContain('""')
  })

  it('a cloud request that found no server says who did not answer, once, without the browser\'s words', () => {
    const err = networkError('The server at localhost:8080', new TypeError('Failed to fetch'))
    expect(err).toMatchObject({ code: 'service_unavailable' })
    expect(err.message).toBe('The server at localhost:8080 did not answer: no connection could be made to it.')
    expect(err.message).not.toMatch(/The connection to The|Failed to fetch/)
  })
})
