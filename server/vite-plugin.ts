/**
 * The dev, preview and start servers' extras, as one Vite plugin:
 * - cross-origin isolation headers (COOP/COEP), so wllama can use threads (SharedArrayBuffer);
 * - the Hugging Face-compatible model mirror over MODELS_DIR;
 * - `/app-config.json`, which points the app's hub setting at the mirror when the mirror has files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Connect, Plugin } from 'vite'
import { buildCsp, ISOLATION_HEADERS } from '../workers/sw-headers.ts'
import { createHubMirror } from './hub-mirror.ts'
import { resolveModelsDir } from './models-dir.ts'

export { ISOLATION_HEADERS }

export const MIRROR_REPO = 'local/models'
const DEFAULT_MODEL_FILE = process.env.DEFAULT_MODEL_FILE ?? 'stories260K.gguf'

function isolation(_req: IncomingMessage, res: ServerResponse, next: () => void) {
  for (const [k, v] of Object.entries(ISOLATION_HEADERS))
    res.setHeader(k, v)
  next()
}

/**
 * The production CSP on the preview server's responses (the dev server has none: Vite's dev client needs inline
 * code). It allows the default services; origins the user configures at run time are added by the service worker,
 * which reads the saved settings when it serves the page (workers/sw.ts).
 */
function csp(_req: IncomingMessage, res: ServerResponse, next: () => void) {
  res.setHeader('Content-Security-Policy', buildCsp())
  next()
}

function install(middlewares: Connect.Server, log: (msg: string) => void, isProduction: boolean) {
  middlewares.use(isolation)
  if (isProduction)
    middlewares.use(csp)
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
      install(server.middlewares, msg => server.config.logger.info(msg), false)
    },
    configurePreviewServer(server) {
      install(server.middlewares, msg => server.config.logger.info(msg), true)
    },
  }
}
