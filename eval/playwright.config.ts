/**
 * The eval's own Playwright config (`npm run eval`, not part of `npm test`): Debian's Chromium, one worker, no
 * timeout (a full run on the local model takes minutes), no web server (the spec serves its own page).
 */
import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../tests/e2e/chromium'

export default defineConfig({
  testDir: '.',
  testMatch: /agent-eval\.spec\.ts/,
  workers: 1,
  retries: 0,
  timeout: 0,
  outputDir: '../test-results/eval',
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
})
