/**
 * Load on the real parts: the production inference worker with real wllama (stories260K) takes 500 chat requests
 * with random cancels and too-short timeouts through its queue. Every request settles exactly once, the renderer's
 * memory (where the worker and llama.cpp live) does not grow without bound, and a final request still answers.
 *
 * This soak found that wllama wedges when a completion starts while cancelled ones are still winding down (four
 * requests never settled, wllama polling at full CPU, in 4 of 8 runs): src/workers/inference/engine-gate.ts is the fix.
 */
import { readFileSync } from 'node:fs'
import { expect, test, type Browser } from '@playwright/test'
import { serveHarness, type HarnessServer } from './harness/serve'

const REQUESTS = 500
/** More than a model's KV cache and a few buffers; a leak per request (500 x) would pass it. */
const MAX_GROWTH_BYTES = 64 * 1024 * 1024

let harness: HarnessServer

test.beforeAll(async () => {
  test.setTimeout(180_000)
  harness = await serveHarness()
})
test.afterAll(() => harness.close())

/**
 * Resident memory of this browser's renderer processes (the page, its workers and llama.cpp), read from /proc
 * (Linux). The browser names its own processes over CDP, so other browsers on the machine do not count.
 */
async function rendererRssBytes(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo') as { processInfo: Array<{ type: string, id: number }> }
  await cdp.detach()
  let total = 0
  for (const { id } of processInfo.filter(p => p.type === 'renderer')) {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))
      total += rss ? Number(rss[1]) * 1024 : 0
    }
    catch {
      // The process ended while we read it: it holds no memory any more.
    }
  }
  return total
}

test('500 requests with random cancels and timeouts through the real worker: each settles once, memory stays bounded, the next answers', async ({ page, browser }) => {
  test.skip(process.platform !== 'linux', 'reads renderer memory from /proc')
  test.setTimeout(300_000)
  await page.goto(`${harness.baseUrl}soak.html`)
  await expect(page.locator('#state')).toHaveText('ready', { timeout: 60_000 })
  // Warm up: the first requests allocate the KV cache and wllama's buffers for good. One warm-up was not always
  // enough: once the renderer read 472 MiB after it where five runs read 536-553, and the same 500 requests then
  // "grew" 69 MiB to the usual 530. The baseline is the higher of two readings, each after a warm-up round; a leak
  // per request still shows, as 500 requests' worth on top of it.
  await page.evaluate(() => window.soak.run({ requests: 50, seed: 1, concurrency: 4 }))
  const firstReading = await rendererRssBytes(browser)
  await page.evaluate(() => window.soak.run({ requests: 50, seed: 2, concurrency: 4 }))
  const before = Math.max(firstReading, await rendererRssBytes(browser))

  // The run takes seconds; if it stalls, fail with where it stood rather than at the test's time limit.
  let timer: ReturnType<typeof setTimeout> | undefined
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void page.evaluate(() => JSON.stringify(window.soak.progress)).then(p => reject(new Error(`soak stalled: ${p}`)), reject)
    }, 120_000)
  })
  const report = await Promise.race([page.evaluate(n => window.soak.run({ requests: n, seed: 42, concurrency: 4 }), REQUESTS), stalled])
    .finally(() => clearTimeout(timer))
  const after = await rendererRssBytes(browser)

  console.log(`worker soak: ${REQUESTS} requests ${JSON.stringify(report.outcomes)}; renderer RSS ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB; final answer ${JSON.stringify(report.finalAnswer.slice(0, 40))}`)
  expect(report.settleCounts).toHaveLength(REQUESTS)
  expect(report.settleCounts.every(c => c === 1)).toBe(true)
  expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(REQUESTS)
  // The three endings happened (the seed makes it so): answers, cancels and timeouts.
  expect((report.outcomes.stop ?? 0) + (report.outcomes.length ?? 0)).toBeGreaterThan(0)
  expect(report.outcomes.aborted ?? 0).toBeGreaterThan(0)
  expect(report.outcomes.timeout ?? 0).toBeGreaterThan(0)
  expect(Object.keys(report.outcomes).filter(k => !['stop', 'length', 'aborted', 'timeout'].includes(k))).toEqual([])
  expect(report.finalAnswer.length).toBeGreaterThan(0)
  expect(after - before).toBeLessThan(MAX_GROWTH_BYTES)
})
