/**
 * The benchmark harness page, built apart from the app (node_modules/.tmp/bench-dist) so nothing of it reaches the production bundle.
 * It imports the app's own stores, worker client and worker, and @wllama/wllama directly for the raw side.
 */
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { ISOLATION_HEADERS, localServerPlugin } from '../server/vite-plugin.ts'

const root = resolve(import.meta.dirname, '..')

export default defineConfig({
  root,
  plugins: [vue(), localServerPlugin()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Under node_modules/.tmp: ignored by git and by the linter, and never part of dist/.
    // BENCH_OUT_DIR: another place, for a run beside another worktree's (node_modules may be shared).
    outDir: process.env.BENCH_OUT_DIR ?? resolve(root, 'node_modules/.tmp/bench-dist'),
    emptyOutDir: true,
    rollupOptions: { input: resolve(root, 'bench/harness.html') },
  },
  preview: { headers: ISOLATION_HEADERS },
})
