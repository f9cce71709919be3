/**
 * The `render` case (issue 21 item 1): main-thread time per streamed delta through the app's chat components, at
 * 4,000 deltas / at 100 (goal <= 1.2: the cost of a delta must not grow with the reply), and the longest main-thread
 * task while 4,000 deltas stream (goal <= 50 ms: no long task). Browser side: bench/render-harness.ts.
 *
 * Main-thread time is read from a Chromium trace of the window: the CPU time of the renderer main thread's top-level
 * tasks (`RunTask`: scripts, Vue, style, layout, paint, commit), so idle time between deltas does not count, whatever
 * the rate, nor time other processes took the core.
 */
import { pairCase, singleCase } from './report.mjs'

/** One delta every 4 ms (250 tokens/s: faster than any local model here, as fast as quick cloud APIs). */
const INTERVAL_MS = 4
const LONG = 4000
const SHORT = 100

/**
 * Top-level tasks of the renderer main thread that did the most work: `{ totalMs, longestMs, longestWallMs, tasks }`.
 * `totalMs` and `longestMs` are the thread's CPU time (`tdur`): on a shared machine a task's wall time also holds the
 * time other processes had the core, which says nothing about the app. `longestWallMs` is the same task's wall time.
 */
export function mainThreadTasks(trace) {
  const events = JSON.parse(trace.toString('utf8')).traceEvents ?? []
  const mains = new Set(events.filter(e => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map(e => `${e.pid}:${e.tid}`))
  const byThread = new Map()
  for (const e of events) {
    if (e.ph !== 'X' || !['RunTask', 'ThreadControllerImpl::RunTask'].includes(e.name) || !mains.has(`${e.pid}:${e.tid}`))
      continue
    const key = `${e.pid}:${e.tid}`
    byThread.set(key, [...(byThread.get(key) ?? []), e])
  }
  const sum = list => list.reduce((n, e) => n + (e.dur ?? 0), 0)
  const tasks = [...byThread.values()].sort((a, b) => sum(b) - sum(a))[0] ?? []
  // Nested RunTask events (a task run inside another) are counted once: only events not inside the previous one.
  tasks.sort((a, b) => a.ts - b.ts)
  let end = -Infinity
  let totalUs = 0
  let longest = { tdur: 0, dur: 0 }
  for (const e of tasks) {
    if (e.ts + (e.dur ?? 0) <= end)
      continue
    const cpu = e.tdur ?? e.dur ?? 0
    totalUs += cpu
    if (cpu > longest.tdur)
      longest = { tdur: cpu, dur: e.dur ?? 0 }
    end = e.ts + (e.dur ?? 0)
  }
  return { totalMs: totalUs / 1000, longestMs: longest.tdur / 1000, longestWallMs: longest.dur / 1000, tasks: tasks.length }
}

/** Streams `deltas` into a freshly mounted reply under a trace; main-thread ms per delta and the longest task. */
async function tracedStream({ call, page, deltas }) {
  await call('renderPrepare')
  const browser = page.context().browser()
  await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] })
  let streamed
  let trace
  try {
    streamed = await call('renderStream', deltas, INTERVAL_MS)
  }
  finally {
    trace = await browser.stopTracing()
    await call('renderCleanup')
  }
  const tasks = mainThreadTasks(trace)
  return { perDeltaMs: tasks.totalMs / streamed.deltas, longestMs: tasks.longestMs, longestWallMs: tasks.longestWallMs, chars: streamed.chars }
}

/** Fills `cases.render` and `cases.render_longest_task`; interleaves long and short streams (long first on even runs). */
export async function renderCase({ call, page, runs, log, cases }) {
  log(`render: main-thread time per delta, ${LONG} / ${SHORT} deltas streamed into the chat components every ${INTERVAL_MS} ms`)
  const long = []
  const short = []
  for (let i = -1; i < runs; i++) {
    const order = i % 2 === 0 ? [[LONG, long], [SHORT, short]] : [[SHORT, short], [LONG, long]]
    for (const [deltas, out] of order) {
      const r = await tracedStream({ call, page, deltas })
      log(`  ${i < 0 ? 'warm-up' : `run ${i + 1}/${runs}`} ${deltas} deltas (${r.chars} chars): ${r.perDeltaMs.toFixed(3)} ms/delta, longest task ${r.longestMs.toFixed(1)} ms (wall ${r.longestWallMs.toFixed(1)} ms)`)
      if (i >= 0)
        out.push(r)
    }
  }
  cases.render = pairCase({ key: 'render', label: `Main-thread ms per streamed delta through the chat components: ${LONG} deltas / ${SHORT}`, unit: 'ratio', sideUnit: 'ms/delta', aLabel: `${LONG} deltas`, bLabel: `${SHORT} deltas`, target: { op: '<=', value: 1.2 },
    note: `one delta every ${INTERVAL_MS} ms; replies of ${long[0]?.chars} and ${short[0]?.chars} characters (Markdown with code, lists, tables)` }, long.map(r => r.perDeltaMs), short.map(r => r.perDeltaMs))
  cases.render_longest_task = singleCase({ key: 'render_longest_task', label: `Longest main-thread task (CPU time) while ${LONG} deltas stream`, unit: 'ms', target: { op: '<=', value: 50 },
    note: `the longest of ${long.length} runs; per run: ${long.map(r => `${r.longestMs.toFixed(1)} (wall ${r.longestWallMs.toFixed(1)})`).join(', ')} ms` }, [Math.max(...long.map(r => r.longestMs))])
}
