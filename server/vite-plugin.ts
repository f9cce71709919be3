/**
 * The dev, preview and start servers' extras, as one Vite plugin:
 * - cross-origin isolation headers (COOP/COEP), so wllama can use threads (SharedArrayBuffer);
 * - the Hugging Face-compatible model mirror over MODELS_DIR;
 * - `/app-config.json`, which points the app's hub setting at the mirror when the mirror has files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Connect, Plugin } from 'vite'
import { buildCsp, ISOLATION_HEADERS } from '../src/workers/service-worker/sw-headers.ts'
import { createHubMirror, type MirrorFile, type MirrorHubFile } from './hub-mirror.ts'
import type { CdnOptions } from './mirror-cdn.ts'
import { resolveModelsDir } from './models-dir.ts'

export { ISOLATION_HEADERS }

/** The repo of the mirror's files that models.json does not place on the Hub. */
export const MIRROR_REPO = 'local/models'

/**
 * `/app-config.json`, as the dev, preview and start servers answer it when the mirror serves any file (`{}` when it
 * serves none; no such URL without a models folder, or on a static host).
 */
export interface AppConfig {
  /** The mirror's origin (`http://<Host header>`): the app's hub URL. */
  hubUrl: string
  /** The files of the local repo ({@link MIRROR_REPO}) ending in `.gguf`, sorted by name; any revision names them. */
  models: Array<{ repo: string, file: string, sizeBytes: number }>
  /** The `.gguf` files served under their Hub repo at a pinned commit (`revision`, 40 hex); `file` is the Hub path. */
  hubModels: Array<{ repo: string, file: string, revision: string, sizeBytes: number }>
  /**
   * The model to recommend: the one whose file name (last path segment) is env `DEFAULT_MODEL_FILE`, else the first
   * Hub model whose models.json `kind` is `chat`; absent when neither exists. A local model's `revision` is `main`.
   */
  defaultModel?: { repo: string, file: string, revision: string }
  /**
   * Origins the hub's downloads redirect to (the mirror's CDN, when on): the CSP must allow them (the service worker
   * adds them to its policy, as the server does to its own).
   */
  downloadOrigins?: string[]
}

function isolation(_req: IncomingMessage, res: ServerResponse, next: () => void) {
  for (const [k, v] of Object.entries(ISOLATION_HEADERS))
    res.setHeader(k, v)
  next()
}

/**
 * The production CSP on the preview server's responses (the dev server has none: Vite's dev client needs inline
 * code). It allows the default services; origins the user configures at run time are added by the service worker,
 * which reads the saved settings when it serves the page (src/workers/service-worker/sw.ts).
 */
function csp(cdnPort: number | undefined) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader('Content-Security-Policy', buildCsp(cdnPort ? [cdnOrigin(req, cdnPort)] : []))
    next()
  }
}

/** The mirror's CDN origin as the browser sees it: the host name it used for the app, on the CDN's port. */
function cdnOrigin(req: IncomingMessage, port: number): string {
  return `http://${(req.headers.host ?? 'localhost').replace(/:\d+$/, '')}:${port}`
}

/**
 * The Hub's redirect-to-CDN behaviour for the mirror (server/mirror-cdn.ts), from the environment: MIRROR_CDN_PORT
 * (the second origin's port; unset = off), MIRROR_CDN_CAP_MIBPS (MiB/s per connection, default 20; 0 = uncapped),
 * MIRROR_CDN_TTL_S (signed URL lifetime, default 3600 s, as the Hub's).
 */
export function cdnOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CdnOptions | undefined {
  const port = Number(env.MIRROR_CDN_PORT)
  if (!Number.isInteger(port) || port <= 0)
    return undefined
  const cap = env.MIRROR_CDN_CAP_MIBPS === undefined ? 20 : Number(env.MIRROR_CDN_CAP_MIBPS)
  return { port, capBytesPerSecond: Math.max(0, cap) * 2 ** 20, ttlSeconds: Number(env.MIRROR_CDN_TTL_S ?? 3600) }
}

function install(middlewares: Connect.Server, log: (msg: string) => void, isProduction: boolean) {
  middlewares.use(isolation)
  const modelsDir = resolveModelsDir()
  const cdn = modelsDir ? cdnOptionsFromEnv() : undefined
  if (isProduction)
    middlewares.use(csp(cdn?.port))
  if (!modelsDir) {
    log('model mirror: no models folder (set MODELS_DIR); the app will use the public Hugging Face Hub')
    return
  }
  const mirror = createHubMirror({ modelsDir, repo: MIRROR_REPO, ...(cdn && { cdn }) })
  if (cdn)
    log(`model mirror: downloads redirect to a CDN origin on port ${cdn.port}, ${(cdn.capBytesPerSecond / 2 ** 20).toFixed(0) || 'no'} MiB/s per connection, URLs valid ${cdn.ttlSeconds} s`)
  middlewares.use(mirror.middleware)
  middlewares.use('/app-config.json', (req, res) => {
    void Promise.all([mirror.files(), mirror.hubFiles()]).then(([files, hubFiles]) => {
      const found = appConfig(`http://${req.headers.host ?? 'localhost'}`, files, hubFiles, process.env.DEFAULT_MODEL_FILE)
      const config = found && cdn ? { ...found, downloadOrigins: [cdnOrigin(req, cdn.port)] } : found
      res.setHeader('Content-Type', 'application/json')
      res.setHeader('Cache-Control', 'no-store')
      res.end(JSON.stringify(config ?? {}))
    }, (err: unknown) => {
      res.statusCode = 500
      res.end(JSON.stringify({ error: String(err) }))
    })
  })
  log(`model mirror: serving ${modelsDir} (files models.json places on the Hub under their repo, the rest as ${MIRROR_REPO})`)
}

/**
 * The app config for a mirror serving `files` (local repo) and `hubFiles`; undefined when it serves no `.gguf` file.
 * @param defaultFile a file name that picks the default model (env DEFAULT_MODEL_FILE), else the first Hub chat model
 */
export function appConfig(hubUrl: string, files: MirrorFile[], hubFiles: MirrorHubFile[], defaultFile?: string): AppConfig | undefined {
  const isGguf = (f: MirrorFile) => f.path.endsWith('.gguf')
  const models = files.filter(isGguf).map(f => ({ repo: MIRROR_REPO, file: f.path, sizeBytes: f.sizeBytes }))
  const hubGguf = hubFiles.filter(isGguf)
  const hubModels = hubGguf.map(f => ({ repo: f.repo, file: f.path, revision: f.revision, sizeBytes: f.sizeBytes }))
  if (!models.length && !hubModels.length)
    return undefined
  const named = defaultFile === undefined
    ? undefined
    : hubModels.find(m => m.file.split('/').pop() === defaultFile) ?? models.map(m => ({ ...m, revision: 'main' })).find(m => m.file === defaultFile)
  const chosen = named ?? hubModels[hubGguf.findIndex(f => f.kind === 'chat')]
  return { hubUrl, models, hubModels, ...(chosen && { defaultModel: { repo: chosen.repo, file: chosen.file, revision: chosen.revision } }) }
}

/** Vite plugin: isolation headers, the production CSP (preview), the model mirror and `/app-config.json`. */
export function localServerPlugin(): Plugin {
  return {
    name: 'local-ai:server',
    configureServer(server) {
      install(server.middlewares, msg => server.config.logger.info(msg), false)
    },
    configurePreviewServer(server) {
      install(server.middlewares, msg => server.config.logger.info(msg), true)
    },
  }
}
