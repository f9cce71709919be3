import { readFileSync } from 'node:fs'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { ISOLATION_HEADERS, localServerPlugin } from './server/vite-plugin.ts'

const port = Number(process.env.PORT ?? 5173)

/** The app's and its engines' versions, shown in "Copy diagnostics". */
function appVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string, dependencies: Record<string, string> }
  const deps = ['@wllama/wllama', '@mlc-ai/web-llm', '@google/genai', 'vue']
  return { app: pkg.version, ...Object.fromEntries(deps.map(d => [d, pkg.dependencies[d] ?? '?'])) }
}

export default defineConfig({
  plugins: [
    vue(),
    localServerPlugin(),
    VitePWA({
      // Registered by src/composables/service-worker.ts through workbox-window, so the app can show its state.
      injectRegister: false,
      registerType: 'prompt',
      // Our own service worker (src/workers/service-worker/sw.ts): it must add COOP/COEP and the CSP to what it serves.
      strategies: 'injectManifest',
      srcDir: 'src/workers/service-worker',
      filename: 'sw.ts',
      manifest: {
        name: 'Local AI Assistant',
        short_name: 'Local AI',
        description: 'Chat with AI models that run on your own device.',
        theme_color: '#1f2937',
        background_color: '#111827',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,wasm,webmanifest}'],
        // WebLLM's chunk (lib-*.js, from @mlc-ai/web-llm's lib/index.js) is 6 MB and only needed for WebGPU models:
        // the service worker caches it on first use instead.
        globIgnores: ['**/lib-*.js'],
        // wllama's WebAssembly is ~9 MB; it must be precached for offline use.
        maximumFileSizeToCacheInBytes: 32 * 2 ** 20,
      },
    }),
  ],
  define: { __APP_VERSIONS__: JSON.stringify(appVersions()) },
  worker: { format: 'es' },
  build: { target: 'es2022' },
  server: { port, strictPort: true, headers: ISOLATION_HEADERS },
  preview: { port, strictPort: true, headers: ISOLATION_HEADERS },
})
