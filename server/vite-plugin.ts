/**
 * The dev, preview and start servers' extras, as one Vite plugin:
 * - cross-origin isolation headers (COOP/COEP), so wllama can use threads (SharedArrayBuffer);
 * - the Hugging Face-compatible model mirror over MODELS_DIR;
 * - `/app-config.json`, which points the app's hub setting at the mirror when the mirror has files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Connect, Plugin } from 'vite'
import { createHubMirror } from './hub-mirror.ts'
import { resolveModelsDir } from './models-dir.ts'

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const

export const MIRROR_REPO = 'local/models'
const DEFAULT_MODEL_FILE = process.env.DEFAULT_MODEL_FILE ?? 'stories260K.gguf'

function isolation(_req: IncomingMessage, res: ServerResponse, next: () => void) {
  for (const [k, v] of Object.entries(ISOLATION_HEADERS))
    res.setHeader(k, v)
  next()
}

function install(middlewares: Connect.Server, log: (msg: string) => void) {
  middlewares.use(isolation)
  const modelsDir = resolveModelsDir()
  if (!modelsDir) {
    log('model mirror: no models folder (set MODELS_DIR); the app will use the public Hugging Face Hub')
    return
  }
  const mirror = createHubMirror({ modelsDir, repo: MIRROR_REPO })
  middlewares.use(mirror.middleware)
  middlewares.use('/app-config.json', (req, res) => {
    void mirror.files().then((files) => {
      const origin = `http://${req.headers.host ?? 'localhost'}`
      const models = files.filter(f => f.path.endsWith('.gguf'))
        .map(f => ({ repo: MIRROR_REPO, file: f.path, sizeBytes: f.sizeBytes }))
      const defaultModel = models.find(m => m.file === DEFAULT_MODEL_FILE) ?? models[0]
      res.setHeader('Content-Type', 'application/json')
      res.setHeader('Cache-Control', 'no-store')
      res.end(JSON.stringify(models.length ? { hubUrl: origin, models, defaultModel } : {}))
    }, (err: unknown) => {
      res.statusCode = 500
      res.end(JSON.stringify({ error: String(err) }))
    })
  })
  log(`model mirror: serving ${modelsDir} as ${MIRROR_REPO}`)
}

export function localServerPlugin(): Plugin {
  return {
    name: 'local-ai:server',
    configureServer(server) {
      install(server.middlewares, msg => server.config.logger.info(msg))
    },
    configurePreviewServer(server) {
      install(server.middlewares, msg => server.config.logger.info(msg))
    },
  }
}
