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
  // One folder per parallel part (--parallel): Playwright empties its own at start.
  outputDir: `../test-results/eval${process.env.EVAL_LABEL ? `-${process.env.EVAL_LABEL}` : ''}`,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
})
