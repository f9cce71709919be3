/**
 * How a model is asked for tool calls, and how its reply is read back. Three strategies, one transcript:
 * - `native`: the backend's own tool calling (Gemini function declarations, OpenAI `tools`);
 * - `schema`: a prompt plus `responseSchema` and the same constraint as a GBNF `grammar` (step-grammar.ts; wllama uses
 *   the grammar), so even a tiny local model emits a well-formed step;
 * - `text`: the same prompt, read by the tolerant text parser.
 * The history is always OpenAI-shaped messages (assistant `tool_calls`, `tool` results), so a conversation can move
 * between backends and strategies at any turn.
 */
import type { Capabilities, ChatMessage, ChatRequest, ChatSummary, SamplingSettings, ToolCall } from '../contract/types'
import { AnswerStreamer } from './answer-stream'
import { stepGrammar } from './step-grammar'
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

/**
 * The JSON Schema of one step: a call to one of the tools (with its own argument schema) or a final answer, the tool
 * first. `thought` is optional: the grammar ({@link stepGrammar}) leaves it out, so a tiny model picks the tool with its
 * first tokens instead of spending them on a thought it would copy from the example.
 */
export function stepSchema(registry: ToolRegistry, bounds: StepBounds = DEFAULT_STEP_BOUNDS): Record<string, unknown> {
  const thought = { type: 'string', maxLength: bounds.maxThoughtChars }
  const calls = registry.definitions().map(d => ({
    type: 'object',
    properties: { tool: { const: d.function.name }, arguments: d.function.parameters, thought },
    required: ['tool', 'arguments'],
    additionalProperties: false,
  }))
  const answer = {
    type: 'object',
    properties: { tool: { const: FINAL }, answer: { type: 'string', minLength: 1, maxLength: bounds.maxAnswerChars }, thought },
    required: ['tool', 'answer'],
    additionalProperties: false,
  }
  return { anyOf: [...calls, answer] }
}

/**
 * The request for one step. `answerOnly`: the schema and grammar allow only a final answer (the loop asks for one once
 * the model repeats a call it already has the result of); the prompt stays the same, so its KV cache is reused.
 */
export function buildRequest(kind: StrategyKind, history: ChatMessage[], registry: ToolRegistry, sampling?: SamplingSettings, bounds?: StepBounds, answerOnly = false): ChatRequest {
  if (kind === 'native')
    return { messages: history, sampling, ...(registry.names.length && { tools: registry.definitions() }) }
  const prompted: ChatRequest = { messages: [{ role: 'user', content: promptFor(history, registry) }], sampling: { maxTokens: PROMPTED_MAX_TOKENS, ...sampling } }
  if (kind === 'text')
    return prompted
  const tools = answerOnly ? [] : registry.definitions().map(d => ({ name: d.function.name, parameters: d.function.parameters }))
  const { maxAnswerChars } = bounds ?? DEFAULT_STEP_BOUNDS
  const schema = stepSchema(registry, bounds) as { anyOf: unknown[] }
  return { ...prompted, responseSchema: answerOnly ? { anyOf: schema.anyOf.slice(-1) } : schema, grammar: stepGrammar(tools, { maxAnswerChars }) }
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
      // Output cut by the token limit (or a grammar that was not applied): a final answer cut short is still the
      // answer so far; anything else goes to the tolerant parser.
      const cut = cutAnswer(text)
      if (cut)
        return { kind: 'answer', thought: '', text: cut }
    }
  }
  return parseStepText(text)
}

/**
 * The answer of a final-answer step whose JSON was cut off (`{"tool": "final_answer", "answer": "It is 42 and`):
 * its text so far, trimmed, or '' when the text is no such step. A tiny model at the per-step token cap otherwise
 * loses an answer it had written.
 */
export function cutAnswer(text: string): string {
  return new AnswerStreamer().push(text).trim()
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
