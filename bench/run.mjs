#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: the app against raw wllama and native llama.cpp, side by side, in one run on one
 * machine. Writes bench/results/latest.json and latest.svg and prints the table. See docs/performance.md.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { basename, join, resolve } from 'node:path'
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
/** The mirror's CDN origin (download_capped, and every download of the run: /resolve/ redirects there). */
const cdnPort = Number(process.env.BENCH_CDN_PORT ?? port + 1)
/** The shipped instruct model (real_model, cold_start, memory), from ../shared/models. */
const SHARED_MODELS = ['../shared/models', '/work/shared/models'].map(p => resolve(p)).find(p => existsSync(p)) ?? resolve('../shared/models')
const REAL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf'
/** BENCH_THREADS: the thread count of the WebAssembly / native comparisons (default: every core). */
const threads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined
const opts = { quick, runs: quick ? 3 : 5, maxTokens: quick ? 32 : 96, file: 'bench-135m-q8_0.gguf', realFile: REAL_FILE, only, threads }
const log = msg => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`)

async function main() {
  const started = Date.now()
  const load = [loadavg()[0]]
  const modelsDir = resolve('bench/.cache/models')
  const paths = ensureBenchModels(modelsDir)
  // The shared test models join the generated ones in the mirror's folder (as links: nothing is copied).
  for (const f of readdirSync(SHARED_MODELS).filter(f => f.endsWith('.gguf'))) {
    const link = join(modelsDir, f)
    if (!existsSync(link))
      symlinkSync(join(SHARED_MODELS, f), link)
  }
  paths.real = join(modelsDir, REAL_FILE)
  opts.quants = [...Object.entries(paths).filter(([k]) => k !== 'real').map(([k, p]) => [k, basename(p), p]), ['smollm2_q4_1', REAL_FILE, paths.real]]
  log('building the app')
  viteBuild()
  const browser = await launchChromium()
  const cases = {}
  let failure
  // Stopped from outside (a timeout): keep what was measured in bench/results/partial.json.
  process.once('SIGTERM', () => {
    mkdirSync('bench/results', { recursive: true })
    writeFileSync('bench/results/partial.json', `${JSON.stringify({ date: new Date().toISOString(), quick, stopped: 'SIGTERM', loadAverage1m: [load[0], loadavg()[0]], cases }, null, 2)}\n`)
    console.log(table({ cases }))
    process.exit(143)
  })
  try {
    if (!only || only.includes('shell'))
      cases.shell = await shellCase(browser, modelsDir)
    log('building the harness')
    viteBuild(['--config', 'bench/vite.config.ts'])
    const harness = await startPreview({ port, modelsDir, config: 'bench/vite.config.ts', cdnPort })
    try {
      const page = await (await browser.newContext()).newPage()
      page.on('console', (m) => { if (m.type() === 'error' || process.env.BENCH_CONSOLE) log(`page: ${m.text()}`) })
      page.on('pageerror', err => log(`page error: ${err.message}`))
      await page.goto(`${harness.origin}/bench/harness.html`)
      await page.locator('#state', { hasText: 'ready' }).waitFor()
      const call = (fn, ...args) => page.evaluate(([f, a]) => globalThis.bench[f](...a), [fn, args])
      const native = { open: openNative, paths }
      await browserCases({ call, native, opts, log, cases, page })
      await page.context().close()
      if (!only || only.includes('memory'))
        cases.memory = await memoryCase(browser, harness.origin, paths.real)
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

/** Pids of this process's descendants whose command line says they are Chromium renderers (pages and their workers). */
function rendererPids() {
  const parent = new Map()
  for (const d of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    }
    catch {
      // the process ended while we listed
    }
  }
  const isOurs = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parent.get(p) ?? 0, hops++) {
      if (p === process.pid)
        return true
    }
    return false
  }
  return [...parent.keys()].filter((pid) => {
    try {
      return isOurs(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')
    }
    catch {
      return false
    }
  })
}

const statusKb = (pid, key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)

/**
 * `memory`: peak resident memory of the renderer processes (the page, its inference and download workers, wllama's
 * threads and heap all live there) while the app loads the largest model in ../shared/models from OPFS and answers
 * one chat turn of 64 tokens, over the file's size. Peak = the kernel's VmHWM, reset (clear_refs 5) once the model is
 * downloaded, so the download is not counted.
 */
async function memoryCase(browser, origin, modelPath) {
  const file = basename(modelPath)
  const fileBytes = statSync(modelPath).size
  log(`memory: peak renderer RSS while loading and chatting with ${file} (${(fileBytes / 2 ** 20).toFixed(0)} MiB)`)
  const page = await (await browser.newContext()).newPage()
  try {
    await page.goto(`${origin}/bench/harness.html`)
    await page.locator('#state', { hasText: 'ready' }).waitFor()
    const call = (fn, ...args) => page.evaluate(([f, a]) => globalThis.bench[f](...a), [fn, args])
    await call('setup')
    await call('appDownload', file)
    const pids = rendererPids()
    const baseline = pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) * 1024
    for (const pid of pids)
      writeFileSync(`/proc/${pid}/clear_refs`, '5')
    await call('appLoad', file, 0)
    await call('appChatFixed', [{ role: 'user', content: 'What is the capital of France?' }], 64)
    const after = rendererPids()
    const peak = after.reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0) * 1024
    // What stays once the answer is done (weights, KV cache, buffers) against the peak: the difference is what the
    // load held only for a while (copies of the file on its way into the WebAssembly heap).
    const resident = after.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) * 1024
    const mib = b => `${(b / 2 ** 20).toFixed(0)} MiB`
    return singleCase({ key: 'memory', label: `Peak renderer + worker memory / model file size while loading and chatting (${file})`, unit: 'ratio', target: { op: '<=', value: 2.5 },
      note: `peak ${mib(peak)} over ${pids.length} renderer process(es) for a ${mib(fileBytes)} file; ${mib(baseline)} before the load (page and download worker idle); `
        + `added by the load and the chat: ${mib(peak - baseline)} at the peak (${((peak - baseline) / fileBytes).toFixed(2)}x the file), ${mib(resident - baseline)} still resident after the answer (${((resident - baseline) / fileBytes).toFixed(2)}x)` }, [peak / fileBytes])
  }
  finally {
    await page.context().close()
  }
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
