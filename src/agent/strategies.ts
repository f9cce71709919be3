/**
 * How a model is asked for tool calls, and how its reply is read back. Three strategies, one transcript:
 * - `native`: the backend's own tool calling (Gemini function declarations, OpenAI `tools`);
 * - `schema`: a prompt plus `responseSchema`, which llama.cpp compiles to a grammar, so even a tiny local model
 *   emits a well-formed step;
 * - `text`: the same prompt, read by the tolerant text parser.
 * The history is always OpenAI-shaped messages (assistant `tool_calls`, `tool` results), so a conversation can move
 * between backends and strategies at any turn.
 */
import type { Capabilities, ChatMessage, ChatRequest, ChatSummary, SamplingSettings, ToolCall } from '../contract/types'
import { isCopiedFromPrompt, stepPrompt } from './step-prompt'
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
 * One user message holding the instructions (compact tool signatures, one worked example) and the conversation so
 * far; see step-prompt.ts.
 */
export function promptFor(history: ChatMessage[], registry: ToolRegistry): string {
  return stepPrompt(history, registry.list())
}

/** What the model's reply says to do: one or more calls, an answer, or a malformed step. */
export function parseReply(kind: StrategyKind, summary: ChatSummary): ParsedStep[] {
  if (kind === 'native') {
    if (!summary.toolCalls?.length)
      return [{ kind: 'answer', thought: '', text: summary.text }]
    return summary.toolCalls.map(c => parseNativeCall(c, summary.text))
  }
  return [rejectCopied(parsePrompted(kind, summary.text), summary.text)]
}

function parsePrompted(kind: StrategyKind, text: string): ParsedStep {
  if (kind === 'schema') {
    try {
      return stepFromJson(JSON.parse(text), text)
    }
    catch {
      // A grammar that was not applied (or output cut by the token limit): fall through to the tolerant parser.
    }
  }
  return parseStepText(text)
}

/** An empty answer, or a thought or answer that is a placeholder or a piece of the instructions, is no step. */
function rejectCopied(step: ParsedStep, raw: string): ParsedStep {
  if (step.kind === 'malformed')
    return step
  if (step.kind === 'answer' && !step.text.trim())
    return { kind: 'malformed', raw, reason: 'The answer is empty.' }
  const copied = [step.thought, step.kind === 'answer' ? step.text : ''].find(isCopiedFromPrompt)
  return copied === undefined ? step : { kind: 'malformed', raw, reason: `${JSON.stringify(copied.trim())} is copied from the instructions, not written for this conversation.` }
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
