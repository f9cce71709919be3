/**
 * The benchmark harness page, built apart from the app (bench/.cache/dist) so nothing of it reaches the production bundle.
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
    // Under bench/.cache: ignored by git and by the linter, never part of dist/, and one per worktree (node_modules
    // may be shared between checkouts). BENCH_OUT_DIR: another place, for a run beside another one.
    outDir: process.env.BENCH_OUT_DIR ?? resolve(root, 'bench/.cache/dist'),
    emptyOutDir: true,
    rollupOptions: { input: resolve(root, 'bench/harness.html') },
  },
  preview: { headers: ISOLATION_HEADERS },
})
