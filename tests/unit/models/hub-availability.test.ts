/**
 * "Not on this hub" is asked of a real hub API: the project's mirror on 127.0.0.1, through `@huggingface/hub`'s
 * paths-info, exactly as the app asks huggingface.co. Answers are cached; offline and unreachable are not.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHubMirror } from '../../../server/hub-mirror'
import { resolveModelsDir } from '../../../server/models-dir'
import { modelRef } from '../../../src/models/catalog'
import { AVAILABLE_TTL_MS, availabilityKey, cachedAvailability, checkHubAvailability, MISSING_TTL_MS, type AnswerStore } from '../../../src/services/library/hub-availability'

const STORIES = 'stories260K.gguf'

function memoryStore(): AnswerStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: k => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

let server: Server
let hubUrl: string
let dir: string
let requests = 0

beforeAll(async () => {
  const shared = resolveModelsDir()
  if (!shared)
    throw new Error(`The test models were not found: ${STORIES} is needed (set MODELS_DIR to a folder holding it).`)
  dir = await mkdtemp(join(tmpdir(), 'availability-'))
  await symlink(join(shared, STORIES), join(dir, STORIES))
  const mirror = createHubMirror({ modelsDir: dir, repo: 'local/models' })
  server = createServer((req, res) => {
    requests++
    mirror.middleware(req, res, () => res.writeHead(404).end())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

describe('checkHubAvailability against the mirror', () => {
  it('says available for a file the hub has, and missing for an unknown file, repo or revision', async () => {
    const store = memoryStore()
    expect(await checkHubAvailability(modelRef('local/models', STORIES), hubUrl, { store })).toBe('available')
    expect(await checkHubAvailability(modelRef('local/models', 'nothing-here.gguf'), hubUrl, { store })).toBe('missing')
    // The catalog's public repos are not on the mirror: the Hub's 401 for an unknown repo is "missing", not an error.
    expect(await checkHubAvailability(modelRef('Qwen/Qwen2.5-0.5B-Instruct-GGUF', 'qwen2.5-0.5b-instruct-q4_k_m.gguf'), hubUrl, { store })).toBe('missing')
  })

  it('answers from the cache without asking again, and only while the answer is fresh', async () => {
    const store = memoryStore()
    const ref = modelRef('local/models', STORIES)
    await checkHubAvailability(ref, hubUrl, { store })
    const before = requests
    expect(await checkHubAvailability(ref, hubUrl, { store })).toBe('available')
    expect(requests).toBe(before)
    const missing = modelRef('someone/nothing-here', 'x.gguf')
    await checkHubAvailability(missing, hubUrl, { store })
    const now = Date.now()
    expect(cachedAvailability(ref, hubUrl, store, now + AVAILABLE_TTL_MS - 1000)).toBe('available')
    expect(cachedAvailability(ref, hubUrl, store, now + AVAILABLE_TTL_MS + 1000)).toBeUndefined()
    expect(cachedAvailability(missing, hubUrl, store, now + MISSING_TTL_MS + 1000)).toBeUndefined()
    // Another hub is another question.
    expect(availabilityKey(ref, hubUrl)).not.toBe(availabilityKey(ref, 'https://huggingface.co'))
    expect(cachedAvailability(ref, 'https://huggingface.co', store)).toBeUndefined()
  })

  it('says offline without asking, and unreachable for a hub that does not answer; neither is cached', async () => {
    const store = memoryStore()
    const ref = modelRef('local/models', STORIES)
    const before = requests
    expect(await checkHubAvailability(ref, hubUrl, { store, isOnline: () => false })).toBe('offline')
    expect(requests).toBe(before)
    expect(await checkHubAvailability(ref, 'http://127.0.0.1:9', { store })).toBe('unreachable')
    expect(store.data.size).toBe(0)
  })
})
