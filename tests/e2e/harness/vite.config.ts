/**
 * Test-only build of the agent harness page (real wllama + the real agent loop, no app UI), kept out of the
 * production build: it lands in node_modules/.tmp/agent-harness and is served by tests/e2e/harness/serve.ts for
 * tests/e2e/agent-wllama.spec.ts and tests/e2e/soak.spec.ts.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export const HARNESS_OUT_DIR = fileURLToPath(new URL('../../../node_modules/.tmp/agent-harness', import.meta.url))

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: HARNESS_OUT_DIR,
    emptyOutDir: true,
    target: 'es2022',
    // The agent harness (index.html) and the worker soak (soak.html).
    rollupOptions: { input: { index: `${root}/index.html`, soak: `${root}/soak.html` } },
  },
  worker: { format: 'es' },
})
