import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, WEBGPU_ARGS, chromiumPath } from './tests/e2e/chromium'
import { prepareModelsDir } from './tests/e2e/models-fixture'

const port = Number(process.env.E2E_PORT ?? 4183)
// Top-level await: a missing test model may have to be fetched first (server/test-models.ts).
const modelsDir = await prepareModelsDir()
/** The build the server serves: `dist` (what `npm run test:e2e` builds), or E2E_OUT_DIR for a run beside another. */
const outDir = process.env.E2E_OUT_DIR ?? 'dist'

export default defineConfig({
  testDir: 'tests/e2e',
  // One browser at a time: the machine has 2 cores and wllama wants one of them.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // Per port too, so a second run beside the first keeps its own traces.
  outputDir: `test-results/${port}`,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', testIgnore: /webgpu\.spec\.ts/ },
    {
      // Chromium's SwiftShader adapter: a real WebGPU path on a machine without a GPU.
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS] } },
    },
  ],
  webServer: {
    // The built app, served the way `npm start` serves it (vite preview with the mirror plugin).
    command: `npx vite preview --port ${port} --strictPort --outDir ${outDir}`,
    url: `http://localhost:${port}/app-config.json`,
    // Downloads as from the real Hub: /resolve/ redirects (302) to a second origin (the next port, or E2E_CDN_PORT)
    // with a signed URL that expires, which caps each connection at 20 MiB/s (server/mirror-cdn.ts).
    env: { MODELS_DIR: modelsDir, PORT: String(port), MIRROR_CDN_PORT: process.env.E2E_CDN_PORT ?? String(port + 1) },
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
