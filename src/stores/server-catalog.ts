/**
 * The deployment's own config (`/app-config.json`: a mirror hub, its models, a default model) and the catalog it
 * makes. The last answer is cached in localStorage so the app opens the same way offline.
 */
import { PUBLIC_CATALOG, catalogEntry, modelRef, type CatalogEntry } from '../models/catalog'
import { parseServerConfig, type ServerConfig } from '../models/server-config'
import { isLaterSplitPart } from '../models/split'

const SERVER_CONFIG_KEY = 'local-ai:server-config'

/** The cached copy, checked again: it may have been written by an older version. */
function readCachedServerConfig(): ServerConfig {
  try {
    return parseServerConfig(JSON.parse(localStorage.getItem(SERVER_CONFIG_KEY) ?? '{}')).config
  }
  catch (err) {
    console.warn('The cached app-config.json is not JSON: ignored', err)
    return {}
  }
}

/**
 * Fetches `/app-config.json`, checks it (src/models/server-config.ts: a bad hub, size or name is left out) and caches
 * it; when the server has none (offline, static hosting) the cached copy, else `{}`. Never throws.
 */
export async function readServerConfig(): Promise<ServerConfig> {
  let config: ServerConfig = readCachedServerConfig()
  try {
    const res = await fetch('/app-config.json', { cache: 'no-store' })
    if (res.ok && res.headers.get('content-type')?.includes('json')) {
      const { config: checked, problems } = parseServerConfig(await res.json())
      if (problems.length)
        console.warn(`app-config.json: ${problems.join('; ')}`)
      config = checked
      localStorage.setItem(SERVER_CONFIG_KEY, JSON.stringify(config))
    }
  }
  catch (err) {
    console.info('No server config (offline, or static hosting): using the saved or public catalog', err)
  }
  return config
}

/**
 * The catalog a server config offers: hub files the public catalog does not list, then the public catalog, then the
 * server's own files (a split GGUF listed once, by its first part); with the hub and the default model's id if named.
 * Undefined when the config names no hub or no models (the public catalog stays).
 */
export function serverCatalog(config: ServerConfig): { hubUrl: string, catalog: CatalogEntry[], defaultModelId?: string } | undefined {
  if (!config.hubUrl || !(config.models?.length || config.hubModels?.length))
    return undefined
  const known = new Set(PUBLIC_CATALOG.map(m => m.id))
  return {
    hubUrl: config.hubUrl,
    catalog: [
      ...(config.hubModels ?? []).filter(m => !known.has(modelRef(m.repo, m.file).id))
        .map(m => ({ ...catalogEntry(m.repo, m.file, m.sizeBytes), ...modelRef(m.repo, m.file, m.revision) })),
      ...PUBLIC_CATALOG,
      ...(config.models ?? []).filter(m => !isLaterSplitPart(m.file))
        .map(m => ({ ...catalogEntry(m.repo, m.file, m.sizeBytes), source: 'server' as const })),
    ],
    ...(config.defaultModel && { defaultModelId: modelRef(config.defaultModel.repo, config.defaultModel.file).id }),
  }
}
