/**
 * Checks a message the inference worker received before anything acts on it: a message that is not a request the
 * protocol knows (not an object, no id, unknown type, wrong payload shape, oversized) is refused with AppError
 * `bad_request`, answered under its id when it has one, and never reaches the queue or the engine.
 *
 * Pure TypeScript, no DOM: it runs in the worker and in Node tests.
 */
import { AppError } from '../protocol/errors'
import type { WorkerRequest } from '../protocol/messages'

/** Longest request id accepted; ids are short counters (`chat-12`). */
export const MAX_ID_CHARS = 256
/** Most chat messages in one request. */
export const MAX_MESSAGES = 4096
/** Most characters of text in one request (all messages, template, schema): far above any context window. */
export const MAX_TEXT_CHARS = 8 * 2 ** 20
const MAX_NAME_CHARS = 4096

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
const jsonSize: Rule = (v, budget) => {
  if (!isObj(v) && !Array.isArray(v))
    return 'must be an object or an array'
  budget.chars -= JSON.stringify(v).length
  return budget.chars < 0 ? 'is larger than allowed' : undefined
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

const message = shape({ role: oneOf('system', 'user', 'assistant', 'tool'), content: str(MAX_TEXT_CHARS, false) })
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
    sampling: optional(shape({ temperature: optional(num(0)), topK: optional(num(0)), topP: optional(num(0)), maxTokens: optional(num(1)), seed: optional(num(0)) })),
    mode: optional(oneOf('auto', 'chat', 'completion')),
    tools: optional(jsonSize),
    responseSchema: optional(jsonSize),
    priority: optional(oneOf('interactive', 'background')),
    timeoutMs: optional(num(0)),
    promptReuse: optional(bool),
  }),
}

function refuse(id: string, problem: string): RequestCheck {
  return { ok: false, id, error: new AppError('bad_request', `The inference worker refused a message: ${problem}.`) }
}

/** Checks one incoming message. Never throws. */
export function checkRequest(msg: unknown): RequestCheck {
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
