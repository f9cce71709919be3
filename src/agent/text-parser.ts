/**
 * The last-resort tool-call parser for models without native tool calls or schema output: it finds a step in free
 * text, tolerating code fences, prose around the JSON, single trailing commas, and the classic ReAct
 * "Action: / Action Input: / Final Answer:" layout.
 */

/** What a model's text says to do. */
export type ParsedStep =
  | { kind: 'call', thought: string, name: string, args: unknown, argsText: string, argsError?: string, signature?: string }
  | { kind: 'answer', thought: string, text: string }
  | { kind: 'malformed', raw: string, reason: string }

/** The step JSON the prompt asks for (and the schema strategy enforces). */
export interface StepJson {
  thought?: string
  tool?: string
  arguments?: unknown
  answer?: string
}

export const FINAL = 'final_answer'

/** A step from a parsed JSON object. */
export function stepFromJson(value: unknown, raw: string): ParsedStep {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { kind: 'malformed', raw, reason: 'The step must be a JSON object.' }
  const v = value as StepJson
  const thought = typeof v.thought === 'string' ? v.thought : ''
  if (!v.tool || v.tool === FINAL || v.tool === 'none')
    return typeof v.answer === 'string' ? { kind: 'answer', thought, text: v.answer } : { kind: 'malformed', raw, reason: 'A final step needs an "answer" string.' }
  if (typeof v.tool !== 'string')
    return { kind: 'malformed', raw, reason: '"tool" must be a string.' }
  return { kind: 'call', thought, name: v.tool, args: v.arguments ?? {}, argsText: JSON.stringify(v.arguments ?? {}) }
}

/** The first balanced `{...}` in the text, respecting strings; null when there is none. */
export function extractJsonObject(text: string): string | null {
  const start = text.indexOf('{')
  if (start === -1)
    return null
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\')
        i++
      else if (c === '"')
        inString = false
    }
    else if (c === '"') {
      inString = true
    }
    else if (c === '{') {
      depth++
    }
    else if (c === '}' && --depth === 0) {
      return text.slice(start, i + 1)
    }
  }
  return null
}

function parseLenient(json: string): unknown {
  try {
    return JSON.parse(json)
  }
  catch {
    return JSON.parse(json.replace(/,\s*([}\]])/g, '$1')) // a trailing comma, the commonest slip
  }
}

const ACTION = /Action:\s*([\w.-]+)\s*\n\s*Action Input:\s*([\s\S]*)$/i
const FINAL_ANSWER = /Final Answer:\s*([\s\S]*)$/i

/** Parses free text into a step. Text with no step in it is taken as the final answer. */
export function parseStepText(text: string): ParsedStep {
  const trimmed = text.trim()
  const thought = /Thought:\s*(.*)/i.exec(trimmed)?.[1]?.trim() ?? ''
  const action = ACTION.exec(trimmed)
  if (action)
    return callFromReAct(thought, action[1]!, action[2]!.trim())
  const final = FINAL_ANSWER.exec(trimmed)
  if (final)
    return { kind: 'answer', thought, text: final[1]!.trim() }
  const json = extractJsonObject(trimmed)
  if (json) {
    try {
      return stepFromJson(parseLenient(json), trimmed)
    }
    catch (err) {
      return { kind: 'malformed', raw: trimmed, reason: `The step is not valid JSON (${(err as Error).message}).` }
    }
  }
  if (trimmed.includes('{"tool"') || /^\s*\{/.test(trimmed))
    return { kind: 'malformed', raw: trimmed, reason: 'The JSON step is not closed.' }
  return { kind: 'answer', thought: '', text: trimmed }
}

function callFromReAct(thought: string, name: string, input: string): ParsedStep {
  const json = extractJsonObject(input)
  if (!json)
    return { kind: 'call', thought, name, args: undefined, argsText: input, argsError: 'Action Input must be a JSON object.' }
  try {
    return { kind: 'call', thought, name, args: parseLenient(json), argsText: json }
  }
  catch (err) {
    return { kind: 'call', thought, name, args: undefined, argsText: json, argsError: `Action Input is not valid JSON (${(err as Error).message}).` }
  }
}
