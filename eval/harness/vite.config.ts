/**
 * The eval page's build (eval/harness/, outside the production bundle): its own folder, so an eval and an e2e run of
 * the agent harness (node_modules/.tmp/agent-harness) never overwrite each other's build.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/** EVAL_OUT_DIR: another folder, for a second eval beside a running one. */
export const EVAL_OUT_DIR = process.env.EVAL_OUT_DIR ?? fileURLToPath(new URL('../../node_modules/.tmp/agent-eval', import.meta.url))

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: { outDir: EVAL_OUT_DIR, emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
})
