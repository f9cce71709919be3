/**
 * How a model is asked for tool calls, and how its reply is read back. Three strategies, one transcript:
 * - `native`: the backend's own tool calling (Gemini function declarations, OpenAI `tools`);
 * - `schema`: a prompt plus `responseSchema`, which llama.cpp compiles to a grammar, so even a tiny local model
 *   emits a well-formed step;
 * - `text`: the same prompt, read by the tolerant text parser.
 * The history is always OpenAI-shaped messages (assistant `tool_calls`, `tool` results), so a conversation can move
 * between backends and strategies at any turn.
 */
import type { Capabilities, ChatMessage, ChatRequest, ChatSummary, SamplingSettings, ToolCall } from '../engines/types'
import { FINAL, parseStepText, stepFromJson, type ParsedStep } from './text-parser'
import type { ToolRegistry } from './tools/registry'

export type StrategyKind = 'native' | 'schema' | 'text'

/** Native calls where the backend has them, else schema-constrained output, else the text parser. */
export function chooseStrategy(c: Capabilities): StrategyKind {
  if (c.hasNativeToolCalls)
    return 'native'
  return c.hasSchemaOutput ? 'schema' : 'text'
}

/**
 * Longest strings a schema step may hold, in characters: the grammar then forces the step to end even when a tiny
 * model rambles. Tiny models want small bounds (the harness uses 160/400); real models need room for an answer.
 */
export interface StepBounds {
  maxThoughtChars: number
  maxAnswerChars: number
}

export const DEFAULT_STEP_BOUNDS: StepBounds = { maxThoughtChars: 300, maxAnswerChars: 2000 }

/** Tokens for one prompted step unless the caller sets `maxTokens`: room for a bounded answer. */
const PROMPTED_MAX_TOKENS = 1024

/** The JSON Schema of one step: a call to one of the tools (with its own argument schema) or a final answer. */
export function stepSchema(registry: ToolRegistry, bounds: StepBounds = DEFAULT_STEP_BOUNDS): Record<string, unknown> {
  const thought = { type: 'string', maxLength: bounds.maxThoughtChars }
  const calls = registry.definitions().map(d => ({
    type: 'object',
    properties: { thought, tool: { const: d.function.name }, arguments: d.function.parameters },
    required: ['thought', 'tool', 'arguments'],
    additionalProperties: false,
  }))
  const answer = {
    type: 'object',
    properties: { thought, tool: { const: FINAL }, answer: { type: 'string', maxLength: bounds.maxAnswerChars } },
    required: ['thought', 'tool', 'answer'],
    additionalProperties: false,
  }
  return { anyOf: [...calls, answer] }
}

/** The request for one step. */
export function buildRequest(kind: StrategyKind, history: ChatMessage[], registry: ToolRegistry, sampling?: SamplingSettings, bounds?: StepBounds): ChatRequest {
  if (kind === 'native')
    return { messages: history, sampling, ...(registry.names.length && { tools: registry.definitions() }) }
  const prompted: ChatRequest = { messages: [{ role: 'user', content: promptFor(history, registry) }], sampling: { maxTokens: PROMPTED_MAX_TOKENS, ...sampling } }
  return kind === 'schema' ? { ...prompted, responseSchema: stepSchema(registry, bounds) } : prompted
}

/**
 * One user message holding the instructions and the conversation so far. One message, because a completion-mode
 * model (no chat template) only ever sees the last user message.
 */
export function promptFor(history: ChatMessage[], registry: ToolRegistry): string {
  const tools = registry.definitions().map(d => `- ${d.function.name}: ${d.function.description} Arguments: ${JSON.stringify(d.function.parameters)}`)
  const lines = [
    'You are a helpful assistant that can use tools. Reply with ONE JSON object and nothing else:',
    `{"thought": "<short reasoning>", "tool": "<tool name>", "arguments": {...}} to call a tool, or`,
    `{"thought": "<short reasoning>", "tool": "${FINAL}", "answer": "<answer for the user>"} to answer.`,
    tools.length ? `Tools:\n${tools.join('\n')}` : 'No tools are available: answer directly.',
    'Conversation:',
    ...history.map(renderMessage),
    'Next step (JSON):',
  ]
  return lines.join('\n')
}

function renderMessage(m: ChatMessage): string {
  if (m.role === 'system')
    return `System: ${m.content}`
  if (m.role === 'user')
    return `User: ${m.content}`
  if (m.role === 'tool')
    return `Observation (${m.name ?? 'tool'}): ${m.content}`
  const calls = (m.tool_calls ?? []).map(c => `Assistant: {"thought": ${JSON.stringify(m.content)}, "tool": ${JSON.stringify(c.function.name)}, "arguments": ${c.function.arguments}}`)
  return calls.length ? calls.join('\n') : `Assistant: ${m.content}`
}

/** What the model's reply says to do: one or more calls, an answer, or a malformed step. */
export function parseReply(kind: StrategyKind, summary: ChatSummary): ParsedStep[] {
  if (kind === 'native') {
    if (!summary.toolCalls?.length)
      return [{ kind: 'answer', thought: '', text: summary.text }]
    return summary.toolCalls.map(c => parseNativeCall(c, summary.text))
  }
  if (kind === 'schema') {
    try {
      return [stepFromJson(JSON.parse(summary.text), summary.text)]
    }
    catch {
      // A grammar that was not applied (or output cut by the token limit): fall through to the tolerant parser.
    }
  }
  return [parseStepText(summary.text)]
}

function parseNativeCall(call: ToolCall, thought: string): ParsedStep {
  const { name, arguments: argsText } = call.function
  const signature = call.signature ? { signature: call.signature } : {}
  try {
    return { kind: 'call', thought, name, args: JSON.parse(argsText || '{}'), argsText, ...signature }
  }
  catch (err) {
    return { kind: 'call', thought, name, args: undefined, argsText, argsError: `The arguments are not valid JSON (${(err as Error).message}).`, ...signature }
  }
}
