/**
 * The measured cases. Each one interleaves its A and B sides (A then B on even runs, B then A on odd ones) after one
 * warm-up of each, so drift in machine load hits both sides alike; figures are per pair (see report.mjs).
 */
import { median, pairCase } from './report.mjs'
import { renderCase } from './render.mjs'

const WORDS = ('the quick model reads every word of the story and writes a short answer about a small town where a '
  + 'baker, a teacher and a dog share one garden that grows apples, beans and tall yellow flowers in the warm summer').split(' ')

/** Deterministic English-like text of about `words` words. */
export function text(words, seed) {
  const out = []
  for (let i = 0; i < words; i++)
    out.push(WORDS[(i * 7 + seed * 13 + ((i * seed) % 5)) % WORDS.length])
  return `${out.join(' ')}.`
}

export const PROMPT = 'Write a short story about a baker and a dog who share a garden.'

/** Seven finished turns (about 1,500 tokens with the template) and the user's eighth message. */
export function conversation() {
  const messages = []
  for (let turn = 1; turn <= 7; turn++) {
    messages.push({ role: 'user', content: `Turn ${turn}: ${text(70, turn)}` })
    messages.push({ role: 'assistant', content: text(70, turn + 50) })
  }
  return { history: messages, next: { role: 'user', content: `Turn 8: ${text(30, 8)}` } }
}

/** Runs `a` and `b` alternately first (A B, B A, ...), after one warm-up of each unless `warmUp` is false. */
async function interleave(runs, a, b, { log = () => {}, warmUp = true } = {}) {
  if (warmUp) {
    await a(-1)
    await b(-1)
  }
  const as = []
  const bs = []
  const show = v => JSON.stringify(v).slice(0, 120)
  for (let i = 0; i < runs; i++) {
    const pair = i % 2 === 0 ? [['A', a, as], ['B', b, bs]] : [['B', b, bs], ['A', a, as]]
    for (const [name, fn, out] of pair) {
      const t0 = Date.now()
      out.push(await fn(i))
      log(`  run ${i + 1}/${runs} ${name}: ${show(out.at(-1))} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
  }
  return { a: as, b: bs }
}

/**
 * Like {@link interleave} for any number of sides: run i starts at side i (mod n) and goes round, so each side goes
 * first equally often. Returns one array of results per side.
 */
async function rotate(runs, fns, { log = () => {}, names = fns.map((_, i) => String.fromCharCode(65 + i)) } = {}) {
  const out = fns.map(() => [])
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length
      const t0 = Date.now()
      out[j].push(await fns[j](i))
      log(`  run ${i + 1}/${runs} ${names[j]}: ${JSON.stringify(out[j].at(-1)).slice(0, 120)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
  }
  return out
}

/** A prompt of about `tokens` tokens for the bench models' Llama-2 tokenizer (1.12 tokens per word of `text`). */
export const promptOf = (tokens, seed) => text(Math.round((tokens - 2) / 1.12), seed)

const user = content => [{ role: 'user', content }]

/** Fills `cases` as each case finishes, so a failure later in the run keeps the figures already measured. */
export async function browserCases({ call, native, opts, log, cases = {}, page }) {
  const { runs, maxTokens, file, only } = opts
  const want = key => !only || only.includes(key)
  const env = await call('setup')
  log(`harness: ${env.cores} cores, cross-origin isolated: ${env.isolated}`)
  if (want('render'))
    await renderCase({ call, page, runs, log, cases })
  if (only?.every(key => key.startsWith('render')))
    return cases

  if (!want('download')) {
    await call('appDownload', file) // the later cases load the stored model
  }
  else {
    log('download: mirror -> download worker -> OPFS with SHA-256 / fetch into memory')
    const dl = await interleave(runs, () => call('appDownload', file), () => call('rawFetch', file), { log })
    const mbps = r => r.bytes / 2 ** 20 / (r.ms / 1000)
    // The app's per-byte work, each part alone: what the disk and the hash allow at most.
    const probes = []
    for (let i = 0; i < 3; i++)
      probes.push(await call('storageProbe', 128))
    const parts = `alone, in one worker: OPFS write ${median(probes.map(p => p.writeMiBps)).toFixed(0)} MiB/s, SHA-256 (hash-wasm) ${median(probes.map(p => p.hashMiBps)).toFixed(0)} MiB/s (128 MiB, median of 3)`
    cases.download = pairCase({ key: 'download', label: 'Download throughput: app (hub client, hashing, OPFS) / raw fetch into memory', unit: 'ratio', sideUnit: 'MiB/s', aLabel: 'app', bLabel: 'raw fetch', target: { op: '>=', value: 0.8 }, note: parts }, dl.a.map(mbps), dl.b.map(mbps))
  }

  if (want('download_capped'))
    await downloadCappedCase({ call, runs, file, log, cases })
  if (want('cold_start'))
    await coldStartCase({ call, runs: 3, log, cases, realFile: opts.realFile, threads: opts.threads ?? env.cores })
  if (!['threads', 'warm_start', 'pipeline', 'native', 'quant', 'multi_turn', 'prefill', 'real_model', 'new_chat_tools'].some(want))
    return cases
  log('threads: the app chooses (first load measures)')
  const auto = await call('appLoad', file, 0)
  log(`app chose ${auto.threads} thread(s) (${auto.threadSource})`)
  if (want('threads'))
    await threadsCase({ call, runs, maxTokens, file, env, auto, log, cases })
  if (want('warm_start'))
    await warmStartCase({ call, runs, file, auto, log, cases })
  if (want('pipeline') || want('native'))
    await decodeCases({ call, native, runs, maxTokens, file, auto, want, log, cases })
  if (want('multi_turn'))
    await multiTurnCase({ call, runs, log, cases })
  await call('appUnload')
  if (want('new_chat_tools'))
    await newChatToolsCase({ call, runs: opts.quick ? 2 : runs, log, cases, realFile: opts.realFile, threads: opts.threads ?? env.cores })
  // WebAssembly against native at every core, as the issue measured (the app's own choice is in `threads`), unless
  // BENCH_THREADS says otherwise (on a machine loaded beyond its cores, spinning threads measure the load, not the kernels).
  const all = { threads: opts.threads ?? env.cores }
  if (want('prefill'))
    await prefillCase({ call, native, quick: opts.quick, file, auto: all, log, cases })
  if (want('real_model'))
    await realModelCase({ call, native, quick: opts.quick, auto: all, log, cases, realFile: opts.realFile })
  if (want('quant'))
    await quantCase({ call, native, quick: opts.quick, auto: all, log, cases, quants: opts.quants })
  return cases
}

async function threadsCase({ call, runs, maxTokens, file, env, auto, log, cases }) {
  const fixed = Array.from({ length: Math.max(1, env.cores) }, (_, i) => i + 1)
  await call('rawLoad', file, auto.threads, 'auto')
  for (const t of fixed)
    await call('rawLoad', file, t, `fixed-${t}`)
  const perFixed = Object.fromEntries(fixed.map(t => [t, []]))
  const autoRuns = []
  for (let i = -1; i < runs; i++) {
    const order = [...fixed.map(t => `fixed-${t}`), 'auto']
    if (i % 2)
      order.reverse()
    for (const key of order) {
      const v = await decode(call, maxTokens, key)(i)
      log(`  ${i < 0 ? 'warm-up' : `run ${i + 1}/${runs}`} ${key}: ${v.toFixed(1)} tok/s`)
      if (i >= 0)
        (key === 'auto' ? autoRuns : perFixed[Number(key.slice(6))]).push(v)
    }
  }
  const best = fixed.reduce((b, t) => (median(perFixed[t]) > median(perFixed[b]) ? t : b), fixed[0])
  cases.threads = pairCase({ key: 'threads', label: `Decode tok/s: auto-chosen ${auto.threads} thread(s) / best fixed count (${best})`, unit: 'ratio', sideUnit: 'tok/s', aLabel: `auto (${auto.threads})`, bLabel: `fixed ${best}`, target: { op: '>=', value: 0.95 },
    note: `fixed counts: ${fixed.map(t => `${t}: ${median(perFixed[t]).toFixed(1)} tok/s`).join(', ')}; source ${auto.threadSource}` }, autoRuns, perFixed[best])
  for (const t of fixed)
    await call('rawUnload', `fixed-${t}`)
  await call('rawUnload', 'auto')
}

const decode = (call, maxTokens, key) => async i => (await call('rawChat', user(`Run ${i}. ${PROMPT}`), maxTokens, true, key)).decodeTps

async function warmStartCase({ call, runs, file, auto, log, cases }) {
  log('warm start: ready from OPFS through the app / raw loadModel from an in-memory Blob')
  const appLoad = async () => {
    try {
      const r = await call('appLoad', file, auto.threads)
      const steps = r.steps ? ` (header check ${r.steps.check.toFixed(0)}, threads ${r.steps.threads.toFixed(0)}, wllama ${r.steps.engine.toFixed(0)})` : ''
      log(`    app: worker ${r.engineMs.toFixed(0)} ms${steps} of ${r.ms.toFixed(0)} ms`)
      return r.ms
    }
    catch (err) {
      // Seen once on the loaded machine: the OPFS file was reported missing after long use. Store it again, say so.
      log(`  app load failed (${String(err).split('\n')[0]}); downloading the model again and retrying once`)
      await call('appDownload', file)
      return (await call('appLoad', file, auto.threads)).ms
    }
  }
  const ws = await interleave(runs, appLoad, async () => {
    const r = await call('rawLoad', file, auto.threads, 'warm')
    await call('rawUnload', 'warm')
    return r.ms
  }, { log })
  // Raw wllama from the app's own OPFS file: what reading from disk costs wllama itself, apart from the app.
  const fromDisk = []
  const inWorker = []
  for (let i = 0; i < 3; i++) {
    fromDisk.push(await call('rawLoadStored', file, auto.threads))
    inWorker.push(await call('rawLoadStoredInWorker', file, auto.threads))
  }
  cases.warm_start = pairCase({ key: 'warm_start', label: 'Time to ready: app from OPFS / raw wllama loadModel from a Blob in memory', unit: 'ratio', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 1.15 },
    note: `raw wllama from the app's OPFS file (disk, not memory): ${median(fromDisk).toFixed(0)} ms from the page, ${median(inWorker).toFixed(0)} ms from a dedicated worker as the app starts it (medians of 3)` }, ws.a, ws.b)
}

async function decodeCases({ call, native, runs, maxTokens, file, auto, want, log, cases }) {
  await call('rawLoad', file, auto.threads, 'main')
  if (want('pipeline'))
    await pipelineCase({ call, runs, maxTokens, auto, log, cases })
  if (want('native'))
    await nativeCase({ call, native, runs, maxTokens, file, auto, log, cases })
  await call('rawUnload', 'main')
}

async function pipelineCase({ call, runs, maxTokens, auto, log, cases }) {
  log(`pipeline: chat store -> worker -> wllama / raw wllama, ${auto.threads} thread(s)`)
  const pipe = await interleave(runs, i => call('appChatStore', `Run ${i}. ${PROMPT}`, maxTokens), i => call('rawChat', user(`Run ${i}. ${PROMPT}`), maxTokens), { log })
  cases.pipeline = pairCase({ key: 'pipeline', label: 'Decode tok/s through the app / raw wllama in the same page', unit: 'ratio', sideUnit: 'tok/s', aLabel: 'app', bLabel: 'raw', target: { op: '>=', value: 0.97 } }, pipe.a.map(r => r.decodeTps), pipe.b.map(r => r.decodeTps))
  cases.pipeline_ttft = pairCase({ key: 'pipeline_ttft', kind: 'difference', label: 'Time to first token: app minus raw wllama', unit: 'ms', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 20 } }, pipe.a.map(r => r.ttftMs), pipe.b.map(r => r.ttftMs))
}

async function nativeCase({ call, native, runs, maxTokens, file, auto, log, cases }) {
  log('native: raw wllama / node-llama-cpp, same file, threads and prompt')
  // The same file as the raw side: its path among the bench's models (native.open once took the thread count as the
  // path and the full run stopped here).
  const path = Object.values(native.paths).find(p => p.endsWith(`/${file}`))
  const nat = await native.open(path, auto.threads)
  try {
    const nt = await interleave(runs, i => call('rawCompletion', `Run ${i}. ${PROMPT}`, maxTokens), i => nat.completion(`Run ${i}. ${PROMPT}`, maxTokens), { log })
    cases.native = pairCase({ key: 'native', label: `Decode tok/s: raw wllama (WebAssembly) / native llama.cpp (node-llama-cpp), ${auto.threads} thread(s)`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native' }, nt.a.map(r => r.decodeTps), nt.b.map(r => r.decodeTps))
  }
  finally {
    await nat.close()
  }
}

async function multiTurnCase({ call, runs, log, cases }) {
  log('multi-turn: time to first token at turn 8 with prompt reuse / without')
  const { history, next } = conversation()
  const turn8 = reuse => async () => {
    // Turn 7 as the app ran it: its prompt is in the KV cache (the answer text differs, as in real use).
    await call('appChatService', history.slice(0, -1), 1, true)
    return (await call('appChatService', [...history, next], 8, reuse)).ttftMs
  }
  // No warm-up pair: the model is warm from the cases before, and each unreused turn 8 costs a full prefill.
  const mt = await interleave(runs, turn8(true), turn8(false), { log, warmUp: false })
  cases.multi_turn = pairCase({ key: 'multi_turn', label: 'Time to first token at turn 8 (~1,500 tokens of history): with prompt reuse / without', unit: 'ratio', sideUnit: 'ms', aLabel: 'reuse', bLabel: 'no reuse', target: { op: '<=', value: 0.25 } }, mt.a, mt.b)
}


const PREFILL_TOKENS = [512, 2048]

/**
 * `prefill`: prompt tokens/s, raw wllama / native llama.cpp, same file (the 135M Q8_0 bench model), same threads,
 * prompts of about 512 and 2,048 tokens into an empty KV cache (context 4,096). Both sides' figures are llama.cpp's own
 * prompt timings (wllama: `timings.prompt_*`; native: one `evaluate` of the prompt's tokens).
 */
async function prefillCase({ call, native, quick, file, auto, log, cases }) {
  log(`prefill: raw wllama / native, ${auto.threads} thread(s), ${PREFILL_TOKENS.join(' and ')}-token prompts`)
  const loaded = await call('rawLoad', file, auto.threads, 'prefill', { nCtx: 4096 })
  const nat = await native.open(native.paths.q8_0, auto.threads, 4096)
  try {
    await call('rawPrefill', promptOf(64, 1), 'prefill') // warm-up: graph allocation on both sides
    await nat.prefill(promptOf(64, 1))
    // --quick: the 512-token prompt only (a 2,048-token prefill takes minutes in WebAssembly on a loaded machine).
    for (const tokens of quick ? PREFILL_TOKENS.slice(0, 1) : PREFILL_TOKENS) {
      const runs = quick ? 2 : 3
      const [w, n] = await rotate(runs, [i => call('rawPrefill', promptOf(tokens, i + 2), 'prefill'), i => nat.prefill(promptOf(tokens, i + 2))], { log, names: ['wllama', 'native'] })
      cases[`prefill_${tokens}`] = pairCase({ key: `prefill_${tokens}`, label: `Prefill tok/s, ${tokens}-token prompt: raw wllama / native llama.cpp, ${auto.threads} thread(s), Q8_0`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native', target: { op: '>=', value: 0.3 },
        note: `prompt tokens ${w[0].promptTokens} (wllama) / ${n[0].promptTokens} (native); wllama n_batch ${loaded.nBatch}, n_ubatch ${loaded.nUbatch}` }, w.map(r => r.prefillTps), n.map(r => r.prefillTps))
    }
  }
  finally {
    await nat.close()
    await call('rawUnload', 'prefill')
  }
}

const REAL_PROMPT = 'What is the capital of France? Answer in one sentence.'

/**
 * `real_model`: decode, prefill and first token on the shipped instruct model (SmolLM2-135M-Instruct Q4_1): the app
 * (models store -> worker -> wllama) / raw wllama / native llama.cpp, rotated per run. Decode generates a fixed number
 * of tokens past any end-of-generation token on every side (the model would otherwise stop after a sentence). Two
 * ratios per figure: app / raw wllama (what the app adds) and raw wllama / native (what WebAssembly costs).
 */
async function realModelCase({ call, native, quick, auto, log, cases, realFile }) {
  // Three rotations even with --quick: one 16-token run put Q4_1 ahead of Q4_0 against the source's expectation, and a
  // figure the quantization advice rests on needs a median (2026-11-30 quiet run, docs/performance.md).
  const n = quick ? 32 : 64
  const runs = 3
  log(`real model: ${realFile}, app / raw wllama / native, ${n} tokens, ${auto.threads} thread(s)`)
  // About 400 prompt tokens with the template (150 with --quick).
  const chat = user(`${text(quick ? 90 : 260, 3)}\n\n${REAL_PROMPT}`)
  await call('appLoad', realFile, auto.threads)
  await call('rawLoad', realFile, auto.threads, 'real')
  const nat = await native.open(native.paths.real, auto.threads)
  // The chat template as text, so native and raw completions process the very same tokens as the chat paths.
  const prompt = `<|im_start|>user\n${chat[0].content}<|im_end|>\n<|im_start|>assistant\n`
  try {
    await call('appChatFixed', user('Hi'), 4)
    await call('rawChatFixed', user('Hi'), 4, 'real')
    await nat.decodeFixed('Hi', 4)
    const [app, rawChat, rawDec, natDec, rawPre, natPre] = await rotate(runs, [
      () => call('appChatFixed', chat, n),
      () => call('rawChatFixed', chat, n, 'real'),
      () => call('rawDecodeFixed', prompt, n, 'real'),
      () => nat.decodeFixed(prompt, n),
      () => call('rawPrefill', prompt, 'real'),
      () => nat.prefill(prompt),
    ], { log, names: ['app chat', 'raw chat', 'raw decode', 'native decode', 'raw prefill', 'native prefill'] })
    const pick = (xs, k) => xs.map(r => r[k])
    const tag = `SmolLM2-135M-Instruct Q4_1, ${auto.threads} thread(s)`
    cases.real_decode_app = pairCase({ key: 'real_decode_app', label: `Decode tok/s (${n} tokens): app / raw wllama, ${tag}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'app', bLabel: 'raw', target: { op: '>=', value: 0.97 } }, pick(app, 'decodeTps'), pick(rawChat, 'decodeTps'))
    cases.real_decode_native = pairCase({ key: 'real_decode_native', label: `Decode tok/s (${n} tokens): raw wllama / native, ${tag}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native', target: { op: '>=', value: 0.4 } }, pick(rawDec, 'decodeTps'), pick(natDec, 'decodeTps'))
    cases.real_prefill_app = pairCase({ key: 'real_prefill_app', label: `Prefill tok/s: app / raw wllama, ${tag}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'app', bLabel: 'raw', target: { op: '>=', value: 0.97 },
      note: `${app[0].promptTokens} prompt tokens (app), ${rawChat[0].promptTokens} (raw)` }, pick(app, 'prefillTps'), pick(rawChat, 'prefillTps'))
    cases.real_prefill_native = pairCase({ key: 'real_prefill_native', label: `Prefill tok/s: raw wllama / native, ${tag}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native', target: { op: '>=', value: 0.3 },
      note: `${rawPre[0].promptTokens} prompt tokens (wllama), ${natPre[0].promptTokens} (native)` }, pick(rawPre, 'prefillTps'), pick(natPre, 'prefillTps'))
    cases.real_ttft_app = pairCase({ key: 'real_ttft_app', label: `First token ms: app / raw wllama, ${tag}`, unit: 'ratio', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 1.05 } }, pick(app, 'ttftMs'), pick(rawChat, 'ttftMs'))
    cases.real_ttft_native = pairCase({ key: 'real_ttft_native', label: `First token ms: raw wllama / native, ${tag}`, unit: 'ratio', sideUnit: 'ms', aLabel: 'wllama', bLabel: 'native' }, pick(rawDec, 'ttftMs'), pick(natDec, 'ttftMs'))
  }
  finally {
    await nat.close()
    await call('rawUnload', 'real')
    await call('appUnload')
  }
}

/**
 * `quant`: for each generated quantization of the 135M shape (Q8_0, Q4_0, Q4_1, Q4_K_M) and the shipped Q4_1 model,
 * raw wllama / native llama.cpp on decode (fixed token count) and prefill (about 512 tokens). With `nativeLog` on the
 * wllama load, the note says which tensors llama.cpp repacked for faster kernels (CPU_REPACK) in WebAssembly.
 */
async function quantCase({ call, native, quick, auto, log, cases, quants }) {
  const n = quick ? 32 : 64
  const runs = 3 // as in realModelCase: a median, also with --quick
  for (const [name, file, path] of quants) {
    log(`quant ${name}: raw wllama / native, decode ${n} tokens and a 512-token prefill`)
    const loaded = await call('rawLoad', file, auto.threads, 'quant', { nativeLog: true })
    const nat = await native.open(path, auto.threads)
    try {
      await call('rawDecodeFixed', 'Hello', 4, 'quant')
      await nat.decodeFixed('Hello', 4)
      const prompt = promptOf(quick ? 256 : 512, 9)
      const [wd, nd, wp, np] = await rotate(runs, [
        () => call('rawDecodeFixed', PROMPT, n, 'quant'), () => nat.decodeFixed(PROMPT, n),
        () => call('rawPrefill', prompt, 'quant'), () => nat.prefill(prompt),
      ], { log, names: ['wllama decode', 'native decode', 'wllama prefill', 'native prefill'] })
      const repacked = loaded.log.filter(l => /repack tensor/i.test(l)).length
      const buffers = loaded.log.filter(l => /buffer size/i.test(l)).map(l => l.replace(/^.*?(\S+ (?:model|compute|KV) buffer size)/, '$1')).slice(0, 3).join('; ')
      const note = `wllama repacked ${repacked} tensor(s) at load${buffers ? `; ${buffers}` : ''}`
      cases[`quant_${name}_decode`] = pairCase({ key: `quant_${name}_decode`, label: `Decode tok/s (${n} tokens): raw wllama / native, ${name}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native', target: { op: '>=', value: 0.4 }, note }, wd.map(r => r.decodeTps), nd.map(r => r.decodeTps))
      cases[`quant_${name}_prefill`] = pairCase({ key: `quant_${name}_prefill`, label: `Prefill tok/s (${wp[0].promptTokens} tokens): raw wllama / native, ${name}`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native', target: { op: '>=', value: 0.3 } }, wp.map(r => r.prefillTps), np.map(r => r.prefillTps))
    }
    finally {
      await nat.close()
      await call('rawUnload', 'quant')
    }
  }
}

/**
 * `cold_start`: from the Download click to the first token of the first answer, on the shipped instruct model: the
 * app (download worker -> OPFS with SHA-256 -> models store load -> first chat token) / raw (fetch into memory +
 * loadModel from that Blob + first token of the same chat). The note splits each side into its three steps.
 */
async function coldStartCase({ call, runs, log, cases, realFile, threads }) {
  log(`cold start: ${realFile}, app / raw (fetch + load + first token), ${threads} thread(s) on both sides`)
  const [app, raw] = await rotate(runs, [() => call('appColdStart', realFile, REAL_PROMPT, threads), () => call('rawColdStart', realFile, REAL_PROMPT, threads)], { log, names: ['app', 'raw'] })
  const sec = (r, key) => `${(median(r.map(x => x[key])) / 1000).toFixed(2)} s`
  // The app's load splits into wllama's own load in the worker and the rest (worker start, OPFS file, GGUF header
  // check, model lock); the first token is followed by the same request again, so a one-off cost of the first
  // request after a load shows apart from prefill.
  const loadSplit = r => (r[0].workerLoadMs === undefined ? '' : ` (in the worker ${sec(r, 'workerLoadMs')}: header check ${sec(r, 'checkMs')}, wllama ${sec(r, 'wllamaLoadMs')})`)
  const steps = r => `download ${sec(r, 'downloadMs')}, load ${sec(r, 'loadMs')}${loadSplit(r)}, first token ${sec(r, 'ttftMs')} (the same request again ${sec(r, 'secondTtftMs')})`
  cases.cold_start = pairCase({ key: 'cold_start', label: 'Download click to first token: app / (raw fetch + raw load + raw first token), SmolLM2-135M-Instruct Q4_1', unit: 'ratio', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 1.25 },
    note: `app: ${steps(app)}; raw: ${steps(raw)}` }, app.map(r => r.ms), raw.map(r => r.ms))
  // The same through the Hub-like CDN (/resolve/ answers 302 to a second origin that sends each connection at most
  // 20 MiB/s, as the real Hub's CDN caps a connection): what a person on a real connection meets, where the mirror on
  // localhost above sends faster than this disk writes.
  log('cold start through the Hub-like CDN: 302 to a second origin, 20 MiB/s per connection')
  await call('cdnControl', { capBytesPerSecond: 20 * 2 ** 20 })
  try {
    const [appHub, rawHub] = await rotate(runs, [() => call('appColdStart', realFile, REAL_PROMPT, threads), () => call('rawColdStart', realFile, REAL_PROMPT, threads)], { log, names: ['app', 'raw'] })
    cases.cold_start_hub = pairCase({ key: 'cold_start_hub', label: 'Download click to first token through a Hub-like CDN (302, 20 MiB/s per connection): app / raw, SmolLM2-135M-Instruct Q4_1', unit: 'ratio', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 1.25 },
      note: `app: ${steps(appHub)}; raw: ${steps(rawHub)}` }, appHub.map(r => r.ms), rawHub.map(r => r.ms))
  }
  finally {
    await call('cdnControl', { capBytesPerSecond: 0 })
  }
  await call('appUnload')
}

/**
 * `download_capped`: app download / raw fetch on the mirror's Hub-like mode: /resolve/ answers 302 to the CDN origin
 * with a signed, expiring URL, which sends each connection at most 20 MiB/s. One fetch gets the cap; the app's
 * parallel ranged connections should not.
 */
async function downloadCappedCase({ call, runs, file, log, cases }) {
  const cap = 20 * 2 ** 20
  log('download_capped: CDN redirect, 20 MiB/s per connection')
  await call('cdnControl', { capBytesPerSecond: cap })
  try {
    const dl = await interleave(runs, () => call('appDownload', file), () => call('rawFetch', file), { log, warmUp: false })
    const mbps = r => r.bytes / 2 ** 20 / (r.ms / 1000)
    cases.download_capped = pairCase({ key: 'download_capped', label: 'Download MiB/s via a 302 to a CDN origin capped at 20 MiB/s per connection: app / raw fetch', unit: 'ratio', sideUnit: 'MiB/s', aLabel: 'app', bLabel: 'raw fetch', target: { op: '>=', value: 1.5 } }, dl.a.map(mbps), dl.b.map(mbps))
  }
  finally {
    await call('cdnControl', { capBytesPerSecond: 0 })
  }
}

/**
 * `new_chat_tools`: time to the first token of a new conversation's first agent step with the built-in tools on, on
 * the shipped instruct model: with the KV cache of the shared prefix (tools, format, example) left by another
 * conversation / processed from scratch. The app sends `cache_prompt` on every request and loads one slot, so
 * llama.cpp keeps the longest common prefix of consecutive prompts, across conversations as across turns.
 */
async function newChatToolsCase({ call, runs, log, cases, realFile, threads }) {
  log(`new chat with tools: ${realFile}, shared prefix from another conversation / none`)
  await call('appLoad', realFile, threads)
  try {
    const nt = await interleave(runs, i => call('appNewChatWithTools', `Question ${i}: what is 17 * 23?`, `Earlier ${i}: who wrote Hamlet?`, true),
      i => call('appNewChatWithTools', `Question ${i}: what is 17 * 23?`, `Earlier ${i}: who wrote Hamlet?`, false), { log, warmUp: false })
    cases.new_chat_tools = pairCase({ key: 'new_chat_tools', label: `First token of a new conversation with tools (agent step prompt), SmolLM2-135M-Instruct Q4_1: shared-prefix KV cache / none`, unit: 'ratio', sideUnit: 'ms', aLabel: 'prefix cached', bLabel: 'from scratch', target: { op: '<=', value: 0.3 },
      note: `prompt ${nt.a[0].promptTokens} tokens, ${nt.a[0].cachedTokens} of them from the cache` }, nt.a.map(r => r.ttftMs), nt.b.map(r => r.ttftMs))
  }
  finally {
    await call('appUnload')
  }
}
