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
    cases.download = pairCase({ key: 'download', label: 'Download throughput: app (hub client, hashing, OPFS) / raw fetch into memory', unit: 'ratio', sideUnit: 'MiB/s', aLabel: 'app', bLabel: 'raw fetch', target: { op: '>=', value: 0.8 } }, dl.a.map(mbps), dl.b.map(mbps))
  }

  if (!['threads', 'warm_start', 'pipeline', 'native', 'quant', 'multi_turn'].some(want))
    return cases
  log('threads: the app chooses (first load measures)')
  const auto = await call('appLoad', file, 0)
  log(`app chose ${auto.threads} thread(s) (${auto.threadSource})`)
  if (want('threads'))
    await threadsCase({ call, runs, maxTokens, file, env, auto, log, cases })
  if (want('warm_start'))
    await warmStartCase({ call, runs, file, auto, log, cases })
  if (want('pipeline') || want('native') || want('quant'))
    await decodeCases({ call, native, runs, maxTokens, file, auto, want, log, cases })
  if (want('multi_turn'))
    await multiTurnCase({ call, runs, log, cases })
  await call('appUnload')
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
      log(`    app: engine ${r.engineMs.toFixed(0)} ms of ${r.ms.toFixed(0)} ms`)
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
  cases.warm_start = pairCase({ key: 'warm_start', label: 'Time to ready: app from OPFS / raw wllama loadModel from a Blob in memory', unit: 'ratio', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 1.15 } }, ws.a, ws.b)
}

async function decodeCases({ call, native, runs, maxTokens, file, auto, want, log, cases }) {
  await call('rawLoad', file, auto.threads, 'main')
  if (want('pipeline'))
    await pipelineCase({ call, runs, maxTokens, auto, log, cases })
  if (want('native'))
    await nativeCase({ call, native, runs, maxTokens, auto, log, cases })
  if (want('quant'))
    await quantCase({ call, runs, maxTokens, file, auto, log, cases })
  await call('rawUnload', 'main')
}

async function pipelineCase({ call, runs, maxTokens, auto, log, cases }) {
  log(`pipeline: chat store -> worker -> wllama / raw wllama, ${auto.threads} thread(s)`)
  const pipe = await interleave(runs, i => call('appChatStore', `Run ${i}. ${PROMPT}`, maxTokens), i => call('rawChat', user(`Run ${i}. ${PROMPT}`), maxTokens), { log })
  cases.pipeline = pairCase({ key: 'pipeline', label: 'Decode tok/s through the app / raw wllama in the same page', unit: 'ratio', sideUnit: 'tok/s', aLabel: 'app', bLabel: 'raw', target: { op: '>=', value: 0.97 } }, pipe.a.map(r => r.decodeTps), pipe.b.map(r => r.decodeTps))
  cases.pipeline_ttft = pairCase({ key: 'pipeline_ttft', kind: 'difference', label: 'Time to first token: app minus raw wllama', unit: 'ms', sideUnit: 'ms', aLabel: 'app', bLabel: 'raw', target: { op: '<=', value: 20 } }, pipe.a.map(r => r.ttftMs), pipe.b.map(r => r.ttftMs))
}

async function nativeCase({ call, native, runs, maxTokens, auto, log, cases }) {
  log('native: raw wllama / node-llama-cpp, same file, threads and prompt')
  const nat = await native.open(auto.threads)
  try {
    const nt = await interleave(runs, i => call('rawCompletion', `Run ${i}. ${PROMPT}`, maxTokens), i => nat.completion(`Run ${i}. ${PROMPT}`, maxTokens), { log })
    cases.native = pairCase({ key: 'native', label: `Decode tok/s: raw wllama (WebAssembly) / native llama.cpp (node-llama-cpp), ${auto.threads} thread(s)`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'wllama', bLabel: 'native' }, nt.a.map(r => r.decodeTps), nt.b.map(r => r.decodeTps))
  }
  finally {
    await nat.close()
  }
}

async function quantCase({ call, runs, maxTokens, file, auto, log, cases }) {
  log('quantization: raw wllama decode, Q4_0 / Q8_0 of the same shape')
  await call('rawLoad', file.replace('q8_0', 'q4_0'), auto.threads, 'q4')
  const qt = await interleave(runs, decode(call, maxTokens, 'q4'), decode(call, maxTokens, 'main'), { log })
  cases.quant = pairCase({ key: 'quant', label: `Decode tok/s: Q4_0 / Q8_0 (raw wllama, ${auto.threads} thread(s))`, unit: 'ratio', sideUnit: 'tok/s', aLabel: 'Q4_0', bLabel: 'Q8_0' }, qt.a, qt.b)
  await call('rawUnload', 'q4')
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

