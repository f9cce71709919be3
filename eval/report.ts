/**
 * The eval's results: success per task class and per run (backend + strategy), the JSON written to
 * eval/results/latest.json, and the Markdown table kept in docs/agent.md between the eval markers.
 */
import { TASK_CLASSES, type EvalTask, type TaskClass, type TurnRecord, type Verdict } from './tasks'

/** One task of one run, as stored. */
export interface TaskResult extends Verdict {
  id: string
  class: TaskClass
  outcome: TurnRecord['outcome']
  answer: string
  /** The tools called, in order, `name(args)`. */
  calls: string[]
  requests: number
  completionTokens: number
  ms: number
  replies: string[]
}

/** One backend + strategy over the tasks. */
export interface RunResult {
  /** `wllama/schema`, `openai-compat/native`... */
  run: string
  model: string
  tasks: TaskResult[]
  /** Passed / total per class, and overall. */
  byClass: Partial<Record<TaskClass, { passed: number, total: number }>>
  passed: number
  total: number
  ms: number
}

export function taskResult(task: EvalTask, turn: TurnRecord, verdict: Verdict): TaskResult {
  const calls = turn.steps.flatMap(s => (s.kind === 'tool_call' ? [`${s.name}(${JSON.stringify(s.arguments)})`] : []))
  return { id: task.id, class: task.class, ...verdict, outcome: turn.outcome, answer: turn.answer.slice(0, 300), calls, requests: turn.requests, completionTokens: turn.completionTokens, ms: Math.round(turn.ms), replies: turn.replies }
}

/** Sums a run's task results per class. */
export function summarise(run: string, model: string, tasks: TaskResult[], ms: number): RunResult {
  const byClass: RunResult['byClass'] = {}
  for (const t of tasks) {
    const c = (byClass[t.class] ??= { passed: 0, total: 0 })
    c.total++
    if (t.pass)
      c.passed++
  }
  return { run, model, tasks, byClass, passed: tasks.filter(t => t.pass).length, total: tasks.length, ms: Math.round(ms) }
}

const cell = (c: { passed: number, total: number } | undefined) => (c ? `${c.passed}/${c.total}` : '-')

/** The Markdown table: one row per run, one column per class, then the total and the wall time. */
export function markdownTable(runs: RunResult[]): string {
  const head = ['Run', 'Model', ...TASK_CLASSES, 'all', 'time']
  const rows = runs.map(r => [r.run, r.model, ...TASK_CLASSES.map(c => cell(r.byClass[c])), `**${r.passed}/${r.total}**`, `${Math.round(r.ms / 1000)} s`])
  return [head, head.map(() => '---'), ...rows].map(r => `| ${r.join(' | ')} |`).join('\n')
}

export const TABLE_START = '<!-- eval:latest:start -->'
export const TABLE_END = '<!-- eval:latest:end -->'

/**
 * The doc with the text between the eval markers replaced by `table` (and a line naming when and where it was measured).
 * @throws Error when the doc has no markers: the table has nowhere to go.
 */
export function replaceTable(doc: string, table: string, note: string): string {
  const start = doc.indexOf(TABLE_START)
  const end = doc.indexOf(TABLE_END)
  if (start === -1 || end < start)
    throw new Error(`docs/agent.md has no ${TABLE_START} ... ${TABLE_END} markers for the eval table.`)
  return `${doc.slice(0, start + TABLE_START.length)}\n${note}\n\n${table}\n${doc.slice(end)}`
}
