/**
 * Checks a message the inference worker received before anything acts on it: a message that is not a request the
 * protocol knows (not an object, no id, unknown type, wrong payload shape, oversized) is refused with AppError
 * `bad_request`, answered under its id when it has one, and never reaches the queue or the engine.
 *
 * Pure TypeScript, no DOM: it runs in the worker and in Node tests.
 */
import { AppError } from '../../shared/errors'
import type { WorkerRequest } from '../../contract/messages'

/** Longest request id accepted; ids are short counters (`chat-12`). */
export const MAX_ID_CHARS = 256
/** Most chat messages in one request. */
export const MAX_MESSAGES = 4096
/** Most characters of text in one request (all messages, template, schema): far above any context window. */
export const MAX_TEXT_CHARS = 8 * 2 ** 20
const MAX_NAME_CHARS = 4096
/** Deepest nesting of objects and arrays accepted in tools, a response schema or tool calls; real ones nest a few levels. */
export const MAX_JSON_DEPTH = 64

export type RequestCheck =
  | { ok: true, request: WorkerRequest }
  /** `id` is the message's id when it had a usable one, else '' (the answer then reaches no caller). */
  | { ok: false, id: string, error: AppError }

type Obj = Record<string, unknown>
/** Returns what is wrong with a value, or undefined when it is fine. */
type Rule = (value: unknown, budget: { chars: number }) => string | undefined

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

const str = (max = MAX_NAME_CHARS, nonEmpty = true): Rule => (v, budget) => {
  if (typeof v !== 'string' || (nonEmpty && !v))
    return 'must be a non-empty string'
  budget.chars -= v.length
  return v.length > max || budget.chars < 0 ? `is longer than allowed (${v.length} characters)` : undefined
}
const num = (min = 0): Rule => v => typeof v === 'number' && Number.isFinite(v) && v >= min ? undefined : `must be a finite number >= ${min}`
const oneOf = (...values: unknown[]): Rule => v => values.includes(v) ? undefined : `must be one of ${values.map(x => JSON.stringify(x)).join(', ')}`
const bool: Rule = v => typeof v === 'boolean' ? undefined : 'must be true or false'
const optional = (rule: Rule): Rule => (v, b) => v === undefined ? undefined : rule(v, b)
const nothing: Rule = v => v === null || v === undefined ? undefined : 'must be null'

const isPlain = (v: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(v)
  return Array.isArray(v) || proto === Object.prototype || proto === null
}

/**
 * What is wrong with `root` as JSON data, if anything: only plain objects, arrays, strings, numbers, booleans and null,
 * nested at most MAX_JSON_DEPTH deep, without cycles, within the budget (about its JSON length). Structured clone
 * carries cycles, BigInts and Maps that JSON.stringify throws on or loses, and a deep value overflows its stack, so
 * the walk is iterative and stops at the first problem.
 */
function jsonProblem(root: unknown, budget: { chars: number }): string | undefined {
  /** The objects on the path from the root to the value being looked at: meeting one again is a cycle. */
  const path = new Set<object>()
  const stack: Array<{ value: unknown, depth: number } | { leave: object }> = [{ value: root, depth: 0 }]
  while (stack.length) {
    const item = stack.pop()!
    if ('leave' in item) {
      path.delete(item.leave)
      continue
    }
    const { value, depth } = item
    budget.chars -= typeof value === 'string' ? value.length + 2 : 4
    if (budget.chars < 0)
      return 'is larger than allowed'
    if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string')
      continue
    if (typeof value !== 'object' || !isPlain(value))
      return `holds a value that is not JSON data (${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value})`
    if (path.has(value))
      return 'refers to itself (a cycle)'
    if (depth >= MAX_JSON_DEPTH)
      return `is nested deeper than ${MAX_JSON_DEPTH} levels`
    path.add(value)
    stack.push({ leave: value })
    for (const [key, child] of Object.entries(value)) {
      budget.chars -= key.length + 3
      if (budget.chars < 0)
        return 'is larger than allowed'
      stack.push({ value: child, depth: depth + 1 })
    }
  }
  return undefined
}

const json = (root: 'object or array' | 'array'): Rule => (v, budget) => {
  if (!Array.isArray(v) && (root === 'array' || !isObj(v)))
    return `must be an ${root}`
  return jsonProblem(v, budget)
}

function shape(rules: Record<string, Rule>): Rule {
  return (v, budget) => {
    if (!isObj(v))
      return 'must be an object'
    for (const [key, rule] of Object.entries(rules)) {
      const problem = rule(v[key], budget)
      if (problem)
        return `.${key} ${problem}`
    }
    return undefined
  }
}

const message = shape({
  role: oneOf('system', 'user', 'assistant', 'tool'),
  content: str(MAX_TEXT_CHARS, false),
  tool_calls: optional(json('array')),
  tool_call_id: optional(str(MAX_NAME_CHARS, false)),
  name: optional(str(MAX_NAME_CHARS, false)),
})
const messages: Rule = (v, budget) => {
  if (!Array.isArray(v))
    return 'must be an array'
  if (v.length > MAX_MESSAGES)
    return `has ${v.length} messages; at most ${MAX_MESSAGES} are allowed`
  for (const [i, m] of v.entries()) {
    const problem = message(m, budget)
    if (problem)
      return `[${i}]${problem}`
  }
  return undefined
}

const PAYLOADS: Record<Exclude<WorkerRequest['type'], 'abort'>, Rule> = {
  env: nothing,
  unload: nothing,
  load: shape({
    engine: optional(oneOf('wllama', 'webllm')),
    model: shape({ id: str(), repo: str(), file: str(), revision: optional(str()) }),
    fileName: str(MAX_NAME_CHARS, false),
    nCtx: optional(num(1)),
    nThreads: optional(num(1)),
    threadProbeMaxBytes: optional(num(0)),
    nGpuLayers: optional(num(0)),
    chatTemplate: optional(str(MAX_TEXT_CHARS, false)),
    idleUnloadMs: optional(num(0)),
  }),
  chat: shape({
    modelId: str(),
    messages,
    sampling: optional(shape({ temperature: optional(num(0)), topK: optional(num(0)), topP: optional(num(0)), maxTokens: optional(num(1)), seed: optional(num(0)), ignoreEos: optional(bool) })),
    mode: optional(oneOf('auto', 'chat', 'completion')),
    tools: optional(json('object or array')),
    responseSchema: optional(json('object or array')),
    grammar: optional(str(MAX_TEXT_CHARS, false)),
    priority: optional(oneOf('interactive', 'background')),
    timeoutMs: optional(num(0)),
    promptReuse: optional(bool),
  }),
}

function refuse(id: string, problem: string): RequestCheck {
  return { ok: false, id, error: new AppError('bad_request', `The inference worker refused a message: ${problem}.`) }
}

/**
 * Checks one incoming message. Never throws: a check that fails in an unforeseen way refuses the message, under its
 * id when it has one, so every request is answered.
 */
export function checkRequest(msg: unknown): RequestCheck {
  try {
    return check(msg)
  }
  catch (err) {
    let id = ''
    try {
      id = isObj(msg) && typeof msg.id === 'string' && msg.id.length <= MAX_ID_CHARS ? msg.id : ''
    }
    catch {
      // The id itself cannot be read (a throwing getter): the answer goes out without one.
    }
    return refuse(id, `it could not be checked (${err instanceof Error ? err.name : 'error'})`)
  }
}

function check(msg: unknown): RequestCheck {
  if (!isObj(msg))
    return refuse('', `expected a request object, got ${Array.isArray(msg) ? 'an array' : msg === null ? 'null' : typeof msg}`)
  const id = typeof msg.id === 'string' && msg.id && msg.id.length <= MAX_ID_CHARS ? msg.id : ''
  if (!id)
    return refuse('', `the request has no usable id (a non-empty string of at most ${MAX_ID_CHARS} characters)`)
  const type = msg.type
  if (type === 'abort') {
    const problem = str(MAX_ID_CHARS)(msg.target, { chars: MAX_TEXT_CHARS })
    return problem ? refuse(id, `abort .target ${problem}`) : { ok: true, request: msg as WorkerRequest }
  }
  if (typeof type !== 'string' || !Object.hasOwn(PAYLOADS, type))
    return refuse(id, `unknown request type ${JSON.stringify(String(type)).slice(0, 80)}`)
  const problem = PAYLOADS[type as keyof typeof PAYLOADS](msg.payload, { chars: MAX_TEXT_CHARS })
  return problem ? refuse(id, `${type} payload${problem.startsWith('.') || problem.startsWith('[') ? '' : ' '}${problem}`) : { ok: true, request: msg as WorkerRequest }
}
