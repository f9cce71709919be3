/**
 * `npm run eval [-- --quick]` (through eval/run.mjs): the task suite of eval/tasks.ts on the instruct model through
 * real wllama in Chromium, once per tool strategy the model allows (schema, text), and on the fixture cloud servers
 * (OpenAI-compatible and Gemini protocol) replaying each task's scripted replies, which tests the loop itself.
 * Prints success per task class and run, writes eval/results/latest.json (quick.json for --quick) and, after a full
 * run, the table in docs/agent.md. It measures; it asserts nothing about the scores.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { test, type Page } from '@playwright/test'
import { resolveModelsDir } from '../server/models-dir'
import { gemini, startGeminiServer } from '../tests/fixtures/gemini-server'
import { openai, startOpenAIServer } from '../tests/fixtures/openai-server'
import type { Reply, ScriptedServer } from '../tests/fixtures/scripted-server'
import { serveFolder, type HarnessServer } from '../tests/e2e/harness/serve'
import type { RunOptions } from './harness/eval-page'
import { EVAL_OUT_DIR } from './harness/vite.config'
import { markdownTable, replaceTable, summarise, taskResult, type RunResult, type TaskResult } from './report'
import { TASKS, checkTask, selectTasks, type EvalTask, type ScriptedStep, type TurnRecord } from './tasks'

const MODEL = 'SmolLM2-135M-Instruct.Q4_1.gguf'
const isQuick = process.env.EVAL_QUICK === '1'
/** Labels of the partial results to merge (set by `--parallel`); no run then. */
const merge = process.env.EVAL_MERGE
/** Which runs: `local`, `cloud` or both (default). */
const only = process.env.EVAL_ONLY ?? ''
/** Local strategies: the model has a chat template without tool calling, so schema and text (no native). */
const STRATEGIES = (process.env.EVAL_STRATEGIES ?? 'schema,text').split(',').filter(Boolean) as Array<'schema' | 'text'>
/**
 * Tokens per model request on the local model: enough for a step (a call is about 30 tokens, an answer sentence 20-60)
 * and a bound on a slow machine's run time (SmolLM2-135M decodes about 15 tokens/s on one thread here).
 */
const MAX_TOKENS = Number(process.env.EVAL_MAX_TOKENS ?? 96)

const log = (msg: string) => console.log(`[eval ${new Date().toISOString().slice(11, 19)}] ${msg}`)

/** Builds the eval page into its own folder and serves it with the models folder on loopback. */
async function servePage(): Promise<HarnessServer> {
  // --parallel builds once before starting its processes, which would otherwise empty each other's build folder.
  if (process.env.EVAL_BUILT !== '1')
    execFileSync('npx', ['vite', 'build', '--config', 'eval/harness/vite.config.ts'], { stdio: 'inherit' })
  const modelsDir = resolveModelsDir()
  if (!modelsDir || !existsSync(join(modelsDir, MODEL)))
    throw new Error(`${MODEL} not found: set MODELS_DIR to the folder holding it (default ../shared/models).`)
  return serveFolder(EVAL_OUT_DIR, modelsDir)
}

function runTask(page: Page, o: RunOptions): Promise<TurnRecord> {
  return page.evaluate(opts => window.evalPage.run(opts), o)
}

/** Runs every task on one backend + strategy; `before` scripts the fixture server for a task. */
/** Runs finished in this process, for the progress file. */
const finished: RunResult[] = []

async function runAll(page: Page, name: string, model: string, tasks: EvalTask[], opts: (t: EvalTask) => RunOptions, before?: (t: EvalTask) => void): Promise<RunResult> {
  const results: TaskResult[] = []
  const started = Date.now()
  for (const task of tasks) {
    before?.(task)
    const turn = await runTask(page, opts(task))
    const verdict = checkTask(task, turn)
    const r = taskResult(task, turn, verdict)
    results.push(r)
    // What is measured so far survives a run that is stopped (a slow machine): eval/results/progress-<label>.json.
    writeFileSync(`eval/results/progress${process.env.EVAL_LABEL ? `-${process.env.EVAL_LABEL}` : ''}.json`, `${JSON.stringify({ date: new Date().toISOString(), quick: isQuick, maxTokensPerStep: MAX_TOKENS, runs: [...finished, summarise(name, model, results, Date.now() - started)] }, null, 2)}\n`)
    log(`${name} ${task.id}: ${r.pass ? 'PASS' : `FAIL (${r.why})`} ${r.calls.join(' ')} ${Math.round(r.ms / 1000)} s${r.pass ? '' : ` replies: ${JSON.stringify(r.replies.map(x => x.slice(0, 120)))}`}`)
  }
  const summary = summarise(name, model, results, Date.now() - started)
  log(`${name}: ${summary.passed}/${summary.total} ${JSON.stringify(summary.byClass)}`)
  finished.push(summary)
  return summary
}

function scriptFor(server: ScriptedServer, steps: ScriptedStep[], words: { text: (t: string) => Reply, call: (n: string, a: unknown) => Reply }): void {
  server.script.length = 0
  server.script.push(...steps.map(s => ('call' in s ? words.call(s.call, s.args) : words.text(s.text))))
}

test('agent eval', async ({ page }) => {
  test.skip(!!merge, 'merging the parallel runs')
  test.setTimeout(0)
  const started = Date.now()
  // EVAL_SUBSET=rest: the tasks --quick leaves out (a full run split over two processes).
  // EVAL_TASKS=id,id: just those (to look at one change).
  const ids = process.env.EVAL_TASKS?.split(',')
  const tasks = ids ? TASKS.filter(t => ids.includes(t.id)) : process.env.EVAL_SUBSET === 'rest' ? TASKS.filter(t => !t.isQuick) : selectTasks(isQuick)
  const load = [loadavg()[0] ?? 0]
  const served = await servePage()
  const oa = await startOpenAIServer()
  const gem = await startGeminiServer()
  const runs: RunResult[] = []
  let loadMs = 0
  try {
    page.on('pageerror', err => log(`page error: ${err.message}`))
    await page.goto(served.baseUrl)
    await page.locator('#state', { hasText: 'ready' }).waitFor()
    if (only !== 'local') {
      runs.push(await runAll(page, 'openai-compat/native (scripted)', 'fixture', tasks, t => ({ backend: 'openai-compat', url: oa.url, prompt: t.prompt, consent: t.consent, maxTokens: MAX_TOKENS }), t => scriptFor(oa, t.script, openai)))
      runs.push(await runAll(page, 'gemini/native (scripted)', 'fixture', tasks, t => ({ backend: 'gemini', url: gem.url, prompt: t.prompt, consent: t.consent, maxTokens: MAX_TOKENS }), t => scriptFor(gem, t.script, gemini)))
    }
    if (only !== 'cloud') {
      const loaded = await page.evaluate(file => window.evalPage.loadLocal(file), MODEL)
      loadMs = loaded.loadMs
      log(`loaded ${MODEL} in ${Math.round(loadMs)} ms (chat template: ${loaded.hasChatTemplate})`)
      for (const strategy of STRATEGIES) {
        load.push(loadavg()[0] ?? 0)
        runs.push(await runAll(page, `wllama/${strategy}`, MODEL, tasks, t => ({ backend: 'wllama', strategy, prompt: t.prompt, consent: t.consent, maxTokens: MAX_TOKENS })))
      }
    }
  }
  finally {
    await Promise.all([oa.close(), gem.close(), served.close()])
  }
  load.push(loadavg()[0] ?? 0)
  const results: EvalResults = {
    date: new Date().toISOString(),
    quick: isQuick,
    settings: { temperature: 0, maxTokensPerStep: MAX_TOKENS, strategies: STRATEGIES, nCtx: 2048, threads: 1 },
    machine: { cpus: cpus().length, loadAverage: load.map(l => Math.round(l * 100) / 100) },
    durationMs: Date.now() - started,
    modelLoadMs: Math.round(loadMs),
    runs,
  }
  const isPartial = only !== '' || !!process.env.EVAL_STRATEGIES || !!ids || !!process.env.EVAL_SUBSET
  const label = process.env.EVAL_LABEL ? `-${process.env.EVAL_LABEL}` : ''
  writeResults(results, isPartial ? `partial${label}` : isQuick ? 'partial-quick' : 'latest')
})

/** What a run writes: eval/results/<name>.json. */
interface EvalResults {
  date: string
  quick: boolean
  settings: Record<string, unknown>
  machine: { cpus: number, loadAverage: number[] }
  durationMs: number
  modelLoadMs: number
  runs: RunResult[]
}

/** Prints the table and writes the JSON; a full run (`latest`) also writes the table into docs/agent.md. */
function writeResults(results: EvalResults, name: string): void {
  const table = markdownTable(results.runs)
  console.log(`\n${table}\n`)
  writeFileSync(`eval/results/${name}.json`, `${JSON.stringify(results, null, 2)}\n`)
  if (name === 'latest') {
    const load = results.machine.loadAverage
    const note = `Measured ${results.date.slice(0, 16).replace('T', ' ')} UTC on ${results.machine.cpus} shared cores (load average ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)}), temperature 0, at most ${MAX_TOKENS} tokens per step; the run took ${Math.round(results.durationMs / 60_000)} min.`
    writeFileSync('docs/agent.md', replaceTable(readFileSync('docs/agent.md', 'utf8'), table, note))
  }
  log(`eval/results/${name}.json written (${Math.round(results.durationMs / 1000)} s)`)
}

/** Runs of the same backend + strategy measured in parts (EVAL_SUBSET=rest beside --quick) become one. */
function joinRuns(runs: RunResult[]): RunResult[] {
  const byName = new Map<string, RunResult[]>()
  for (const r of runs) byName.set(r.run, [...(byName.get(r.run) ?? []), r])
  return [...byName.values()].map(group => summarise(group[0]!.run, group[0]!.model, group.flatMap(g => g.tasks), group.reduce((n, g) => n + g.ms, 0)))
}

/** `npm run eval -- --parallel` ran the cloud runs and each local strategy as separate processes: one result. */
test('merge the parallel runs', () => {
  test.skip(!merge, 'only after a --parallel run')
  // A part that was stopped before its end left its progress file: what it measured counts, marked incomplete.
  const parts = merge!.split(',').map((label) => {
    const done = `eval/results/partial-${label}.json`
    if (existsSync(done))
      return JSON.parse(readFileSync(done, 'utf8')) as EvalResults
    const progress = JSON.parse(readFileSync(`eval/results/progress-${label}.json`, 'utf8')) as { date: string, quick: boolean, runs: RunResult[] }
    log(`${label}: stopped before its end, ${progress.runs.map(r => `${r.run} ${r.total} tasks`).join(', ')} measured`)
    return { date: progress.date, quick: progress.quick, settings: { temperature: 0, maxTokensPerStep: MAX_TOKENS, strategies: [], incomplete: true }, machine: { cpus: cpus().length, loadAverage: [] }, durationMs: progress.runs.reduce((n, r) => n + r.ms, 0), modelLoadMs: 0, runs: progress.runs } satisfies EvalResults
  })
  const first = parts[0]!
  writeResults({
    ...first,
    settings: { ...first.settings, strategies: parts.flatMap(p => p.settings.strategies as string[]).filter((s, i, all) => all.indexOf(s) === i), parallel: true },
    machine: { cpus: first.machine.cpus, loadAverage: parts.flatMap(p => p.machine.loadAverage) },
    // From the first start to the last end (each part's date is its end).
    durationMs: Math.max(...parts.map(p => Date.parse(p.date))) - Math.min(...parts.map(p => Date.parse(p.date) - p.durationMs)),
    modelLoadMs: Math.max(...parts.map(p => p.modelLoadMs)),
    runs: joinRuns(parts.flatMap(p => p.runs)),
  }, process.env.EVAL_MERGE_TO ?? (first.quick ? 'partial-quick' : 'latest'))
})
