/** How a chat request becomes wllama parameters: with the model's chat template, or as a plain completion. */
import type { ChatMessage, PromptMode, SamplingSettings } from '../types'

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
  }
}
