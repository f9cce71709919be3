/** How a chat request becomes wllama parameters: with the model's chat template, or as a plain completion. */
import type { ChatMessage, ChatRequest, PromptMode, SamplingSettings } from './types'

export const DEFAULT_MAX_TOKENS = 256
export const DEFAULT_TEMPERATURE = 0.7

/** The mode a request runs in once the model is known. */
export function resolveMode(mode: PromptMode | undefined, hasChatTemplate: boolean): 'chat' | 'completion' {
  if (mode === 'chat' || mode === 'completion')
    return mode
  return hasChatTemplate ? 'chat' : 'completion'
}

/**
 * The text a completion model continues. A base model has no notion of turns, so it continues the last user
 * message; earlier turns are dropped rather than glued together in a format the model never saw.
 */
export function completionPrompt(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m?.role === 'user')
      return m.content
  }
  return ''
}

/** Sampling settings in llama-server's names, which wllama passes through. */
export function samplingParams(s: SamplingSettings = {}) {
  return {
    temperature: s.temperature ?? DEFAULT_TEMPERATURE,
    max_tokens: s.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(s.topK !== undefined && { top_k: s.topK }),
    ...(s.topP !== undefined && { top_p: s.topP }),
    ...(s.seed !== undefined && { seed: s.seed }),
    ...(s.ignoreEos && { ignore_eos: true }),
  }
}

/**
 * Output constraints and tools in llama-server's names. A JSON Schema is compiled to a grammar by llama.cpp:
 * `response_format` on the chat path, `json_schema` on the raw completion path (llama-server's /completion field,
 * which wllama passes through although its types do not list it). A GBNF `grammar` (wllama's SamplingParams.grammar)
 * replaces both on either path. The tools (names, descriptions, schemas: an MCP server's words as much as the app's)
 * are rendered by the chat template into the prompt, which is tokenised with special tokens parsed, so they pass
 * through `neutralise` (the model's special-token breaker) like message text.
 */
export function constraintParams(req: ChatRequest, mode: 'chat' | 'completion', neutralise: (text: string) => string = text => text): Record<string, unknown> {
  // A grammar is the same constraint written by the app (agent/step-grammar.ts): it wins over the schema.
  if (req.grammar)
    return { grammar: req.grammar, ...(mode === 'chat' && req.tools?.length && { tools: neutraliseJson(req.tools, neutralise) }) }
  if (mode === 'completion')
    return req.responseSchema ? { json_schema: req.responseSchema } : {}
  return {
    ...(req.responseSchema && { response_format: { type: 'json_schema', json_schema: { name: 'step', schema: req.responseSchema, strict: true } } }),
    ...(req.tools?.length && { tools: neutraliseJson(req.tools, neutralise) }),
  }
}

/** A message for wllama's chat path: tool turns stay native when the request offers tools, else become user text. */
export function toWllamaMessage(m: ChatMessage, isNative: boolean) {
  if (m.role === 'tool')
    return isNative ? { role: 'tool' as const, content: m.content, tool_call_id: m.tool_call_id ?? '' } : { role: 'user' as const, content: m.content }
  if (m.role === 'assistant' && isNative && m.tool_calls?.length)
    return { role: 'assistant' as const, content: m.content, tool_calls: m.tool_calls }
  return { role: m.role, content: m.content }
}

/**
 * A copy of a JSON value (a tool definition, its parameters schema) with every string, object keys included, passed
 * through `neutralise`. Tool names and descriptions come from MCP servers as well as from the app, and the chat
 * template renders them into the prompt that is tokenised with special tokens parsed, like message text. A name or
 * key that contained a special token no longer matches after this, so such a tool fails its calls instead of steering
 * the model.
 */
export function neutraliseJson<T>(value: T, neutralise: (text: string) => string): T {
  if (typeof value === 'string')
    return neutralise(value) as T
  if (Array.isArray(value))
    return value.map(v => neutraliseJson(v as unknown, neutralise)) as T
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [neutralise(k), neutraliseJson(v as unknown, neutralise)])) as T
  return value
}
