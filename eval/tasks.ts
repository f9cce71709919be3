/**
 * The agent task suite (`npm run eval`, issue 19): 40 tasks in six classes, each with a checker of the final answer
 * and of the tool trace, and the replies a good model would give (the scripted cloud runs replay them to test the
 * loop itself). Framework-free: the eval spec (Node) checks the turns the browser page returns.
 */
import type { AgentStep, TurnOutcome } from '../src/agent/types'

/** What a task measures. */
export type TaskClass = 'pick_tool' | 'arguments' | 'chain' | 'no_tool' | 'consent' | 'tool_error'

export const TASK_CLASSES: readonly TaskClass[] = ['pick_tool', 'arguments', 'chain', 'no_tool', 'consent', 'tool_error']

/** One reply of a scripted cloud model: a tool call or the final text. */
export type ScriptedStep = { call: string, args: Record<string, unknown> } | { text: string }

/** Notes in the store before every task (search_notes tasks look for them). */
export const SEEDED_NOTES: readonly string[] = [
  'Dentist appointment on Tuesday at 3pm.',
  'Parking spot: level 2, row B.',
  'Cabin wifi password: maple42.',
]

export interface EvalTask {
  id: string
  class: TaskClass
  prompt: string
  /** In the `--quick` subset. */
  isQuick?: boolean
  /**
   * How a tool with side effects is answered: `deny` (the person says no), `none` (no one to ask). Default: allowed,
   * which no task needs.
   */
  consent?: 'deny' | 'none'
  /** The final answer must match (digit groups' commas removed first). */
  answer: RegExp
  /**
   * Tools the trace must show, in this order (as a subsequence of the calls that ran without error; for `tool_error`
   * tasks, of the calls that failed). `[]`: no tool call at all.
   */
  calls: string[]
  /** The arguments of the first call of each expected tool must pass this (lower-cased strings compared loosely). */
  args?: Partial<Record<string, (args: Record<string, unknown>) => boolean>>
  /** What a good model replies, step by step, for the scripted cloud runs. */
  script: ScriptedStep[]
}

const lower = (v: unknown) => String(v ?? '').toLowerCase().trim()
const unitIs = (v: unknown, ...names: string[]) => names.includes(lower(v))
const mentions = (v: unknown, ...parts: string[]) => parts.every(p => lower(v).replace(/\s+/g, '').includes(p))
const call = (name: string, args: Record<string, unknown>): ScriptedStep => ({ call: name, args })
const text = (t: string): ScriptedStep => ({ text: t })

export const TASKS: readonly EvalTask[] = [
  // Pick the right tool.
  { id: 'calc-multiply', class: 'pick_tool', prompt: 'What is 1234 * 5678?', isQuick: true, answer: /7006652/, calls: ['calculator'], args: { calculator: a => mentions(a.expression, '1234', '5678') }, script: [call('calculator', { expression: '1234 * 5678' }), text('1234 * 5678 = 7006652.')] },
  { id: 'calc-add', class: 'pick_tool', prompt: 'What is 4821 + 1397?', answer: /6218/, calls: ['calculator'], args: { calculator: a => mentions(a.expression, '4821', '1397') }, script: [call('calculator', { expression: '4821 + 1397' }), text('4821 + 1397 = 6218.')] },
  { id: 'units-km-mi', class: 'pick_tool', prompt: 'Convert 5 km to miles.', isQuick: true, answer: /3\.1/, calls: ['convert_units'], args: { convert_units: a => a.value === 5 && unitIs(a.from, 'km') && unitIs(a.to, 'mi') }, script: [call('convert_units', { value: 5, from: 'km', to: 'mi' }), text('5 km is about 3.11 miles.')] },
  { id: 'units-kg-lb', class: 'pick_tool', prompt: 'How many pounds are 10 kg?', answer: /22\.0/, calls: ['convert_units'], args: { convert_units: a => a.value === 10 && unitIs(a.from, 'kg') && unitIs(a.to, 'lb') }, script: [call('convert_units', { value: 10, from: 'kg', to: 'lb' }), text('10 kg is about 22.05 lb.')] },
  { id: 'units-f-c', class: 'pick_tool', prompt: 'What is 100 F in Celsius?', answer: /37\.7/, calls: ['convert_units'], args: { convert_units: a => a.value === 100 && unitIs(a.from, 'f') && unitIs(a.to, 'c') }, script: [call('convert_units', { value: 100, from: 'F', to: 'C' }), text('100 F is 37.78 C.')] },
  { id: 'time-tokyo', class: 'pick_tool', prompt: 'What time is it now in Tokyo?', isQuick: true, answer: /\d{1,2}:\d{2}/, calls: ['datetime'], args: { datetime: a => lower(a.timeZone) === 'asia/tokyo' }, script: [call('datetime', { timeZone: 'Asia/Tokyo' }), text('It is 18:30 in Tokyo.')] },
  { id: 'notes-dentist', class: 'pick_tool', prompt: 'What did I note about the dentist?', isQuick: true, answer: /tuesday|3 ?pm/i, calls: ['search_notes'], args: { search_notes: a => mentions(a.query, 'dentist') }, script: [call('search_notes', { query: 'dentist' }), text('Your dentist appointment is on Tuesday at 3pm.')] },
  { id: 'notes-wifi', class: 'pick_tool', prompt: 'Search my notes for the cabin wifi password.', answer: /maple42/, calls: ['search_notes'], args: { search_notes: a => mentions(a.query, 'wifi') || mentions(a.query, 'password') }, script: [call('search_notes', { query: 'wifi' }), text('The cabin wifi password is maple42.')] },

  // Extract the arguments.
  { id: 'calc-parens', class: 'arguments', prompt: 'Calculate (17 + 25) * 3.', isQuick: true, answer: /126/, calls: ['calculator'], args: { calculator: a => mentions(a.expression, '(17+25)*3') }, script: [call('calculator', { expression: '(17 + 25) * 3' }), text('(17 + 25) * 3 = 126.')] },
  { id: 'calc-divide', class: 'arguments', prompt: 'What is 7006652 divided by 1234?', answer: /5678/, calls: ['calculator'], args: { calculator: a => mentions(a.expression, '7006652/1234') }, script: [call('calculator', { expression: '7006652 / 1234' }), text('7006652 / 1234 = 5678.')] },
  { id: 'calc-sqrt', class: 'arguments', prompt: 'What is the square root of 1764?', answer: /\b42\b/, calls: ['calculator'], args: { calculator: a => mentions(a.expression, '1764') }, script: [call('calculator', { expression: 'sqrt(1764)' }), text('The square root of 1764 is 42.')] },
  { id: 'units-mi-km', class: 'arguments', prompt: 'How many kilometres is 26.2 miles?', isQuick: true, answer: /42\.1/, calls: ['convert_units'], args: { convert_units: a => a.value === 26.2 && unitIs(a.from, 'mi') && unitIs(a.to, 'km') }, script: [call('convert_units', { value: 26.2, from: 'mi', to: 'km' }), text('26.2 miles is 42.16 km.')] },
  { id: 'units-ml-cup', class: 'arguments', prompt: 'Convert 250 ml to cups.', answer: /1\.0[56]/, calls: ['convert_units'], args: { convert_units: a => a.value === 250 && unitIs(a.from, 'ml') && unitIs(a.to, 'cup') }, script: [call('convert_units', { value: 250, from: 'ml', to: 'cup' }), text('250 ml is about 1.06 cups.')] },
  { id: 'units-gib-mb', class: 'arguments', prompt: 'How many MB is 2 GiB?', answer: /2147\.4/, calls: ['convert_units'], args: { convert_units: a => a.value === 2 && a.from === 'GiB' && a.to === 'MB' }, script: [call('convert_units', { value: 2, from: 'GiB', to: 'MB' }), text('2 GiB is 2147.48 MB.')] },
  { id: 'units-lb-oz', class: 'arguments', prompt: 'How many ounces are in 3 lb?', answer: /\b48\b/, calls: ['convert_units'], args: { convert_units: a => a.value === 3 && unitIs(a.from, 'lb') && unitIs(a.to, 'oz') }, script: [call('convert_units', { value: 3, from: 'lb', to: 'oz' }), text('3 lb is 48 oz.')] },
  { id: 'time-paris', class: 'arguments', prompt: 'What is the date today in the Europe/Paris time zone?', answer: /20\d\d|january|february|march|april|may|june|july|august|september|october|november|december/i, calls: ['datetime'], args: { datetime: a => lower(a.timeZone) === 'europe/paris' }, script: [call('datetime', { timeZone: 'Europe/Paris' }), text('Today in Paris it is Monday 30 November 2026.')] },

  // Two steps, the second using the first's result.
  { id: 'chain-mi-km-times', class: 'chain', prompt: 'Convert 10 miles to km, then multiply the result by 3.', isQuick: true, answer: /48\.2/, calls: ['convert_units', 'calculator'], args: { convert_units: a => a.value === 10 && unitIs(a.from, 'mi') && unitIs(a.to, 'km'), calculator: a => mentions(a.expression, '16.09') }, script: [call('convert_units', { value: 10, from: 'mi', to: 'km' }), call('calculator', { expression: '16.09344 * 3' }), text('10 miles is 16.09 km; times 3 that is 48.28 km.')] },
  { id: 'chain-f-c-double', class: 'chain', prompt: 'Convert 98.6 F to Celsius, then double it.', answer: /\b74\b/, calls: ['convert_units', 'calculator'], args: { convert_units: a => a.value === 98.6 && unitIs(a.from, 'f') && unitIs(a.to, 'c') }, script: [call('convert_units', { value: 98.6, from: 'F', to: 'C' }), call('calculator', { expression: '37 * 2' }), text('98.6 F is 37 C; doubled, 74.')] },
  { id: 'chain-lb-kg-plus', class: 'chain', prompt: 'How many kilograms are 150 lb? Then add 5 to that.', answer: /73\.0/, calls: ['convert_units', 'calculator'], args: { convert_units: a => a.value === 150 && unitIs(a.from, 'lb') && unitIs(a.to, 'kg') }, script: [call('convert_units', { value: 150, from: 'lb', to: 'kg' }), call('calculator', { expression: '68.0388555 + 5' }), text('150 lb is 68.04 kg; plus 5 makes 73.04.')] },
  { id: 'chain-km-m-divide', class: 'chain', prompt: 'Convert 3 km to metres and then divide that by 4.', answer: /\b750\b/, calls: ['convert_units', 'calculator'], args: { convert_units: a => a.value === 3 && unitIs(a.from, 'km') && unitIs(a.to, 'm') }, script: [call('convert_units', { value: 3, from: 'km', to: 'm' }), call('calculator', { expression: '3000 / 4' }), text('3 km is 3000 m; divided by 4, 750 m.')] },
  { id: 'chain-square-km-mi', class: 'chain', prompt: 'What is 12 * 12? Then convert that many km to miles.', answer: /89\.4/, calls: ['calculator', 'convert_units'], args: { calculator: a => mentions(a.expression, '12*12'), convert_units: a => a.value === 144 && unitIs(a.from, 'km') && unitIs(a.to, 'mi') }, script: [call('calculator', { expression: '12 * 12' }), call('convert_units', { value: 144, from: 'km', to: 'mi' }), text('12 * 12 = 144, and 144 km is 89.48 miles.')] },
  { id: 'chain-min-h', class: 'chain', prompt: 'Multiply 45 by 4, then convert that many minutes to hours.', answer: /\b3(\.0+)?\b/, calls: ['calculator', 'convert_units'], args: { calculator: a => mentions(a.expression, '45*4'), convert_units: a => a.value === 180 && unitIs(a.from, 'min') && unitIs(a.to, 'h') }, script: [call('calculator', { expression: '45 * 4' }), call('convert_units', { value: 180, from: 'min', to: 'h' }), text('45 * 4 = 180 minutes, which is 3 hours.')] },

  // No tool needed: answered at once.
  { id: 'plain-france', class: 'no_tool', prompt: 'What is the capital of France?', isQuick: true, answer: /paris/i, calls: [], script: [text('The capital of France is Paris.')] },
  { id: 'plain-germany', class: 'no_tool', prompt: 'What is the capital of Germany?', answer: /berlin/i, calls: [], script: [text('The capital of Germany is Berlin.')] },
  { id: 'plain-romeo', class: 'no_tool', prompt: 'Who wrote Romeo and Juliet?', answer: /shakespeare/i, calls: [], script: [text('William Shakespeare wrote Romeo and Juliet.')] },
  { id: 'plain-planet', class: 'no_tool', prompt: 'What is the largest planet in our solar system?', isQuick: true, answer: /jupiter/i, calls: [], script: [text('Jupiter is the largest planet in our solar system.')] },
  { id: 'plain-sky', class: 'no_tool', prompt: 'What colour is the sky on a clear day?', answer: /blue/i, calls: [], script: [text('The sky is blue on a clear day.')] },
  { id: 'plain-spider', class: 'no_tool', prompt: 'How many legs does a spider have?', answer: /\b8\b|eight/i, calls: [], script: [text('A spider has eight legs.')] },
  { id: 'plain-opposite', class: 'no_tool', prompt: 'What is the opposite of hot?', answer: /cold/i, calls: [], script: [text('The opposite of hot is cold.')] },
  { id: 'plain-hello', class: 'no_tool', prompt: 'How do you say hello in French?', answer: /bonjour|salut/i, calls: [], script: [text('Hello in French is "bonjour".')] },

  // A tool with side effects that the person does not allow: it never runs, and the turn still ends in an answer.
  { id: 'consent-milk', class: 'consent', prompt: 'Save a note: buy oat milk.', consent: 'deny', isQuick: true, answer: /\S/, calls: [], script: [call('save_note', { text: 'buy oat milk' }), text('I could not save the note: you did not allow it.')] },
  { id: 'consent-locker', class: 'consent', prompt: 'Remember that my locker code is 4512 by saving it as a note.', consent: 'deny', answer: /\S/, calls: [], script: [call('save_note', { text: 'Locker code: 4512' }), text('I did not save it, as you did not allow it.')] },
  { id: 'consent-meeting', class: 'consent', prompt: 'Please write down in my notes that the meeting moved to Friday.', consent: 'deny', answer: /\S/, calls: [], script: [call('save_note', { text: 'The meeting moved to Friday.' }), text('The note was not saved: you declined.')] },
  { id: 'consent-mom', class: 'consent', prompt: 'Save a note saying call mom.', consent: 'none', answer: /\S/, calls: [], script: [call('save_note', { text: 'Call mom.' }), text('I could not save the note.')] },
  { id: 'consent-passport', class: 'consent', prompt: 'Add "renew passport" to my notes.', consent: 'deny', answer: /\S/, calls: [], script: [call('save_note', { text: 'renew passport' }), text('I did not add it: saving was not allowed.')] },

  // A tool fails; the model reads the error and still answers (no crash, no loop).
  { id: 'error-divide-zero', class: 'tool_error', prompt: 'Use the calculator: what is 10 / 0?', isQuick: true, answer: /undefined|infinit|cannot|can't|not possible|no result|error|not a (finite )?number|zero/i, calls: ['calculator'], script: [call('calculator', { expression: '10 / 0' }), text('10 / 0 has no result: you cannot divide by zero.')] },
  { id: 'error-parsec', class: 'tool_error', prompt: 'Convert 5 parsecs to km.', answer: /unknown|cannot|can't|not|error|unit|support/i, calls: ['convert_units'], script: [call('convert_units', { value: 5, from: 'pc', to: 'km' }), text('I cannot convert parsecs: the unit is not supported.')] },
  { id: 'error-kg-km', class: 'tool_error', prompt: 'Convert 20 kg to km.', answer: /cannot|can't|not|error|mass|length|different/i, calls: ['convert_units'], script: [call('convert_units', { value: 20, from: 'kg', to: 'km' }), text('kg is a mass and km a length: they cannot be converted.')] },
  { id: 'error-mars-zone', class: 'tool_error', prompt: 'What time is it in the time zone Mars/Olympus?', answer: /not|unknown|invalid|cannot|can't|error|exist/i, calls: ['datetime'], script: [call('datetime', { timeZone: 'Mars/Olympus' }), text('Mars/Olympus is not a time zone I know.')] },
  { id: 'error-sqrt-negative', class: 'tool_error', prompt: 'Use the calculator for the square root of -4.', answer: /not|imaginary|2i|cannot|can't|error|real|undefined/i, calls: ['calculator'], script: [call('calculator', { expression: 'sqrt(-4)' }), text('The square root of -4 is not a real number (it is 2i).')] },
]

/** What the page reports about a finished turn. */
export interface TurnRecord {
  outcome: TurnOutcome
  answer: string
  steps: AgentStep[]
  /** Notes in the store after the turn (the seeded ones count). */
  notesAfter: number
  /** Model requests and wall time of the turn, in milliseconds. */
  requests: number
  ms: number
  /** Tokens the model generated over the turn. */
  completionTokens: number
  /** The raw text of each model reply (for the report), cut to 400 characters each. */
  replies: string[]
  /** Set when the turn threw (a backend failure); the task fails. */
  error?: string
  /** How many times the person was asked to allow a tool (the consent prompts they saw). */
  consentAsks: number
}

/** A checked task. */
export interface Verdict {
  pass: boolean
  answerOk: boolean
  traceOk: boolean
  /** Why it failed, in a few words; '' when it passed. */
  why: string
}

/** Digit groups' separators removed, so "7,006,652" matches /7006652/. */
export function normaliseAnswer(answer: string): string {
  return answer.replace(/(\d),(?=\d{3}\b)/g, '$1')
}

/** Checks a turn against its task: the answer, and the trace (which tools ran, in which order, with which arguments). */
export function checkTask(task: EvalTask, turn: TurnRecord): Verdict {
  const fail = (why: string, answerOk: boolean, traceOk: boolean): Verdict => ({ pass: false, answerOk, traceOk, why })
  if (turn.error)
    return fail(`error: ${turn.error}`, false, false)
  const answerOk = turn.outcome === 'answered' && task.answer.test(normaliseAnswer(turn.answer))
  const trace = checkTrace(task, turn)
  if (trace)
    return fail(trace, answerOk, false)
  if (turn.outcome !== 'answered')
    return fail(`ended ${turn.outcome}`, false, true)
  if (!answerOk)
    return fail(`answer ${JSON.stringify(turn.answer.slice(0, 80))}`, false, true)
  return { pass: true, answerOk: true, traceOk: true, why: '' }
}

interface RanCall { name: string, args: Record<string, unknown>, isError: boolean }

/** The calls that ran, each with its observation's error flag. */
function ranCalls(steps: AgentStep[]): RanCall[] {
  const out: RanCall[] = []
  for (const s of steps) {
    if (s.kind !== 'tool_call')
      continue
    const obs = steps.find(o => o.kind === 'observation' && o.callId === s.callId)
    const args = s.arguments && typeof s.arguments === 'object' ? s.arguments as Record<string, unknown> : {}
    out.push({ name: s.name, args, isError: obs?.kind === 'observation' ? obs.isError : true })
  }
  return out
}

/** '' when the trace is right, else why not. */
function checkTrace(task: EvalTask, turn: TurnRecord): string {
  const calls = ranCalls(turn.steps)
  if (task.class === 'consent') {
    const saved = calls.filter(c => c.name === 'save_note' && !c.isError)
    if (saved.length || turn.notesAfter !== SEEDED_NOTES.length)
      return 'save_note ran without consent'
    // The prompts the person saw, not the model's calls: a repeated identical call is answered from the loop's
    // memory ("You already called...") without asking again.
    if (turn.consentAsks > 1)
      return 'save_note asked again after a refusal'
    return ''
  }
  if (!task.calls.length)
    return calls.length ? `called ${calls.map(c => c.name).join(', ')}` : ''
  const wanted = task.class === 'tool_error' ? calls.filter(c => c.isError) : calls.filter(c => !c.isError)
  let at = 0
  for (const name of task.calls) {
    const found = wanted.findIndex((c, i) => i >= at && c.name === name)
    if (found === -1)
      return calls.length ? `no ${task.class === 'tool_error' ? 'failed ' : ''}${name} call (called ${calls.map(c => c.name).join(', ')})` : `no ${name} call`
    const check = task.args?.[name]
    if (check && !check(wanted[found]!.args))
      return `${name} arguments ${JSON.stringify(wanted[found]!.args)}`
    at = found + 1
  }
  return ''
}

/** The tasks of a run: all, or the `--quick` subset. */
export function selectTasks(isQuick: boolean): EvalTask[] {
  return TASKS.filter(t => !isQuick || t.isQuick)
}
