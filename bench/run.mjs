#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: the app against raw wllama and native llama.cpp, side by side, in one run on one
 * machine. Writes bench/results/latest.json and latest.svg and prints the table. See docs/performance.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { ensureBenchModels } from '../scripts/make-bench-models.mjs'
import { singleCase, svgChart, table, updateDoc } from './report.mjs'
import { launchChromium, startPreview, viteBuild } from './servers.mjs'
import { requestedShellBytes, staticShellBytes } from './shell.mjs'
import { openNative } from './native.mjs'
import { browserCases } from './cases.mjs'

const quick = process.argv.includes('--quick')
/** `--only=download,warm_start`: just those cases (for profiling one change); writes bench/results/partial.json only. */
const only = process.argv.find(a => a.startsWith('--only='))?.slice(7).split(',').filter(Boolean)
const port = Number(process.env.BENCH_PORT ?? 4203)
const opts = { quick, runs: quick ? 3 : 5, maxTokens: quick ? 32 : 96, file: 'bench-135m-q8_0.gguf', only }
const log = msg => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`)

async function main() {
  const started = Date.now()
  const load = [loadavg()[0]]
  const modelsDir = resolve('bench/.cache/models')
  const paths = ensureBenchModels(modelsDir)
  log('building the app')
  viteBuild()
  const browser = await launchChromium()
  const cases = {}
  let failure
  try {
    if (!only || only.includes('shell'))
      cases.shell = await shellCase(browser, modelsDir)
    log('building the harness')
    viteBuild(['--config', 'bench/vite.config.ts'])
    const harness = await startPreview({ port, modelsDir, config: 'bench/vite.config.ts' })
    try {
      const page = await (await browser.newContext()).newPage()
      page.on('console', (m) => { if (m.type() === 'error' || process.env.BENCH_CONSOLE) log(`page: ${m.text()}`) })
      page.on('pageerror', err => log(`page error: ${err.message}`))
      await page.goto(`${harness.origin}/bench/harness.html`)
      await page.locator('#state', { hasText: 'ready' }).waitFor()
      const call = (fn, ...args) => page.evaluate(([f, a]) => globalThis.bench[f](...a), [fn, args])
      const native = { open: (threads) => openNative(paths.q8_0, threads) }
      await browserCases({ call, native, opts, log, cases, page })
    }
    finally {
      harness.stop()
    }
  }
  catch (err) {
    // Keep what was measured: the results say which case failed and why.
    failure = err instanceof Error ? err.stack ?? err.message : String(err)
    log(`FAILED: ${failure}`)
  }
  finally {
    await browser.close()
  }
  load.push(loadavg()[0])
  const results = {
    date: new Date().toISOString(),
    quick,
    durationS: Math.round((Date.now() - started) / 1000),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, browser: `Chromium ${browser.version()}`, node: process.version, loadAverage1m: load },
    model: { file: opts.file, shape: '135M chat shape (llama, 30 layers, 576 embd, 9/3 heads, 1536 FFN), random weights', maxTokens: opts.maxTokens },
    cases,
    ...(failure && { error: failure }),
  }
  mkdirSync('bench/results', { recursive: true })
  if (only) {
    writeFileSync('bench/results/partial.json', `${JSON.stringify(results, null, 2)}\n`)
    console.log(table(results))
    console.log(`\n${results.durationS} s; wrote bench/results/partial.json (--only: latest.json and the doc are left alone)`)
    process.exitCode = failure ? 1 : 0
    return
  }
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync('bench/results/latest.svg', svgChart(results))
  writeFileSync('docs/performance.md', updateDoc(readFileSync('docs/performance.md', 'utf8'), results))
  console.log(table(results))
  console.log(`\n${results.durationS} s; load average ${load.map(l => l.toFixed(2)).join(' -> ')}; wrote bench/results/latest.json, latest.svg and the table in docs/performance.md`)
  if (failure)
    process.exitCode = 1
}

async function shellCase(browser, modelsDir) {
  log('app shell')
  const server = await startPreview({ port, modelsDir })
  try {
    const requested = await requestedShellBytes(browser, server.origin)
    const fromHtml = staticShellBytes()
    return singleCase({ key: 'shell', label: 'App shell: gzip KB of JS loaded before the first interaction (page + workers, no .wasm)', unit: 'KB', target: { op: '<=', value: 150 },
      note: `requested: ${requested.files.join(', ')}; index.html alone references ${(fromHtml.gzipBytes / 1024).toFixed(1)} KB (${fromHtml.files.join(', ')})` }, [requested.gzipBytes / 1024])
  }
  finally {
    server.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
