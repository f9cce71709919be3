/**
 * The prompt of the `schema` and `text` strategies: the instructions, the tools and the conversation in one user
 * message. Written for tiny local models (SmolLM2-135M), which copy whatever looks like content:
 * - tools are compact signatures (`calculator(expression: string) - evaluate arithmetic`), not JSON Schemas; the
 *   schema strategy's grammar already enforces argument shapes, and the text strategy's registry validates them;
 * - the step format is shown by worked examples with real values (one per tool that has one, and a direct answer),
 *   never by placeholders such as `<short reasoning>`, which a tiny model writes back verbatim;
 * - the model is told to answer at once when no tool fits, so a general-knowledge question gets no tool call.
 * A step whose thought or answer is nothing but a fragment of these instructions is rejected ({@link isCopiedFromPrompt}).
 */
import type { ChatMessage } from '../contract/types'
import { FINAL } from './text-parser'
import type { Tool } from './tools/tool'

/** The format, in words: no placeholder to copy. */
const FORMAT = `Reply with one JSON object: "tool" (a tool or "${FINAL}"), then "arguments" or "answer".`
/** When not to call a tool. */
const DIRECT = `Use a tool only when needed; for general knowledge, answer at once with "${FINAL}".`

const NO_TOOLS = `No tools are available: answer at once with "${FINAL}".`
const CONVERSATION = 'Conversation:'
const NEXT = 'Next step (JSON):'

/**
 * Worked examples with real values (few-shot), in the exact layout the grammar enforces: the first offered tool that
 * has one, then a direct answer, which every prompt shows so that general knowledge is answered without a tool.
 */
const TOOL_EXAMPLES: Record<string, string[]> = {
  calculator: [
    'User: What is 12 * 7?',
    `Assistant: {"tool": "calculator", "arguments": {"expression": "12 * 7"}}`,
    'Observation (calculator): 84',
    `Assistant: {"tool": "${FINAL}", "answer": "84."}`,
  ],
  datetime: [
    'User: What time is it in London?',
    `Assistant: {"tool": "datetime", "arguments": {"timeZone": "Europe/London"}}`,
    'Observation (datetime): Monday 2 March 2026 at 09:15:00 GMT (Europe/London; ISO 2026-03-02T09:15:00.000Z)',
    `Assistant: {"tool": "${FINAL}", "answer": "It is 09:15 in London."}`,
  ],
  search_notes: [
    'User: What did I note about the gym?',
    `Assistant: {"tool": "search_notes", "arguments": {"query": "gym"}}`,
    'Observation (search_notes): - (2026-03-01T08:00:00.000Z) Gym closes at 9pm on Fridays.',
    `Assistant: {"tool": "${FINAL}", "answer": "The gym closes at 9pm on Fridays."}`,
  ],
  convert_units: [
    'User: How many metres are 2 km?',
    `Assistant: {"tool": "convert_units", "arguments": {"value": 2, "from": "km", "to": "m"}}`,
    'Observation (convert_units): 2 km = 2000 m',
    `Assistant: {"tool": "${FINAL}", "answer": "2 km is 2000 m."}`,
  ],
}
const EXAMPLE_DIRECT = [
  'User: Who wrote Hamlet?',
  `Assistant: {"tool": "${FINAL}", "answer": "Shakespeare wrote Hamlet."}`,
]

/**
 * One user message holding the instructions and the conversation so far. One message, because a completion-mode
 * model (no chat template) only ever sees the last user message.
 */
export function stepPrompt(history: ChatMessage[], tools: readonly Tool[]): string {
  // One tool example (the first offered tool that has one: a tiny model copies the example's tool), then a direct answer.
  const example = tools.map(t => TOOL_EXAMPLES[t.name]).find(Boolean) ?? []
  const lines = tools.length
    ? ['Tools:', ...tools.map(toolLine), FORMAT, DIRECT, 'Examples:', ...example, ...EXAMPLE_DIRECT]
    : [FORMAT, NO_TOOLS]
  return [...lines, CONVERSATION, ...history.map(renderMessage), NEXT].join('\n')
}

/** `name(arg: type, optional?: type) - summary`. */
export function toolLine(tool: Tool): string {
  return `${tool.name}(${signature(tool.parameters)}) - ${tool.summary ?? tool.description}`
}

function signature(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
  const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : [])
  return Object.entries(properties).map(([name, p]) => `${name}${required.has(name) ? '' : '?'}: ${typeName(p)}`).join(', ')
}

function typeName(p: Record<string, unknown>): string {
  if (Array.isArray(p.enum))
    return p.enum.map(v => JSON.stringify(v)).join(' | ')
  if (Array.isArray(p.type))
    return p.type.join(' | ')
  return typeof p.type === 'string' ? p.type : 'any'
}

function renderMessage(m: ChatMessage): string {
  if (m.role === 'system')
    return `System: ${m.content}`
  if (m.role === 'user')
    return `User: ${m.content}`
  if (m.role === 'tool')
    return `Observation (${m.name ?? 'tool'}): ${m.content}`
  const calls = (m.tool_calls ?? []).map(c => `Assistant: {"tool": ${JSON.stringify(c.function.name)}, "arguments": ${c.function.arguments}}`)
  return calls.length ? calls.join('\n') : `Assistant: ${m.content}`
}

/** Words of the instructions that are no content of their own: field names, the final tool, the format's phrases. */
const INSTRUCTION_FRAGMENTS = new Set([
  'thought', 'tool', 'arguments', 'answer', FINAL, 'a tool name', 'reasoning', 'short reasoning',
  'tool name', 'answer for the user', 'your answer', 'the answer', FORMAT, DIRECT, NO_TOOLS, NEXT,
].map(normalize))

function normalize(text: string): string {
  return text.trim().replace(/^["'`]+|["'`.:!]+$/g, '').trim().toLowerCase()
}

/**
 * True when `text` (a step's thought or answer) is a placeholder or a fragment of the instructions rather than
 * content: `<short reasoning>`, `...`, `one short sentence`, `final_answer`. A tiny model that copies the format
 * instead of filling it in writes these; the loop treats such a step as malformed.
 */
export function isCopiedFromPrompt(text: string): boolean {
  const t = text.trim()
  if (/^<[^<>]*>$/.test(t) || /^(?:\.{2,}|…)$/.test(t))
    return true
  return t !== '' && INSTRUCTION_FRAGMENTS.has(normalize(t))
}
