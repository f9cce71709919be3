/**
 * The OpenAI chat shape (what the app and the agent speak) translated to Gemini's `contents`, and Gemini's function
 * calls translated back. System turns become `systemInstruction`; tool results become `functionResponse` parts.
 */
import type { Content, FunctionDeclaration, Part } from '@google/genai'
import { stripReasoning } from '../../contract/reasoning'
import type { ChatMessage, ToolCall, ToolDefinition } from '../../contract/types'

export interface GeminiPrompt {
  contents: Content[]
  systemInstruction?: string
}

/** Messages as Gemini `contents`; consecutive tool results join one `user` turn, as the API expects. */
export function toGeminiPrompt(messages: ChatMessage[]): GeminiPrompt {
  const system: string[] = []
  const contents: Content[] = []
  for (const m of messages) {
    if (m.role === 'system') {
      system.push(m.content)
      continue
    }
    const role = m.role === 'assistant' ? 'model' : 'user'
    const parts = partsOf(m)
    const last = contents.at(-1)
    if (m.role === 'tool' && last?.role === 'user' && last.parts?.every(p => p.functionResponse))
      last.parts.push(...parts)
    else
      contents.push({ role, parts })
  }
  return { contents, ...(system.length && { systemInstruction: system.join('\n\n') }) }
}

function partsOf(m: ChatMessage): Part[] {
  if (m.role === 'tool')
    return [{ functionResponse: { id: m.tool_call_id, name: m.name ?? 'tool', response: { result: m.content } } }]
  // Reasoning is never sent back as answer text (older stored replies may still carry <think> blocks).
  const content = m.role === 'assistant' ? stripReasoning(m.content) : m.content
  const parts: Part[] = content ? [{ text: content }] : []
  for (const call of m.tool_calls ?? [])
    parts.push({ functionCall: { id: call.id, name: call.function.name, args: parseArgs(call.function.arguments) }, ...(call.signature && { thoughtSignature: call.signature }) })
  return parts.length ? parts : [{ text: '' }]
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
  }
  catch {
    return {} // the model's malformed call was already answered with an error observation
  }
}

/** Tools as Gemini function declarations; the JSON Schema goes through unchanged. */
export function toFunctionDeclarations(tools: ToolDefinition[]): FunctionDeclaration[] {
  return tools.map(t => ({ name: t.function.name, description: t.function.description, parametersJsonSchema: t.function.parameters }))
}

/**
 * A Gemini `functionCall` part as an OpenAI-shaped tool call; `n` numbers calls that come without an id. The part's
 * thought signature rides along: thinking models refuse a history whose function calls lost theirs.
 */
export function fromFunctionCall(part: Part, n: number): ToolCall {
  const call = part.functionCall ?? {}
  const args = call.args
  return {
    id: call.id ?? `call_${n}`,
    type: 'function',
    function: { name: call.name ?? '', arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    ...(part.thoughtSignature && { signature: part.thoughtSignature }),
  }
}
