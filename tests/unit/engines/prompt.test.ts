import { describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../../src/contract/types'
import {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TEMPERATURE,
  completionPrompt,
  resolveMode,
  samplingParams,
} from '../../../src/contract/prompt'

describe('resolveMode', () => {
  it('follows the chat template in auto mode', () => {
    expect(resolveMode('auto', true)).toBe('chat')
    expect(resolveMode('auto', false)).toBe('completion')
  })

  it('treats an unset mode as auto', () => {
    expect(resolveMode(undefined, true)).toBe('chat')
    expect(resolveMode(undefined, false)).toBe('completion')
  })

  it('keeps an explicit mode whatever the model has', () => {
    expect(resolveMode('chat', false)).toBe('chat')
    expect(resolveMode('completion', true)).toBe('completion')
  })
})

describe('completionPrompt', () => {
  it('continues the last user message and drops the other turns', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Once upon a time' },
      { role: 'assistant', content: ' there was a cat.' },
      { role: 'user', content: 'The cat' },
      { role: 'assistant', content: ' sat.' },
      { role: 'tool', content: '{"ok":true}' },
    ]
    expect(completionPrompt(messages)).toBe('The cat')
  })

  it('is empty for an empty history', () => {
    expect(completionPrompt([])).toBe('')
  })

  it('is empty when no message is from the user', () => {
    expect(completionPrompt([{ role: 'system', content: 'Be kind.' }, { role: 'assistant', content: 'Hello.' }])).toBe('')
  })
})

describe('samplingParams', () => {
  it('uses temperature 0.7 and 256 tokens by default, with nothing else', () => {
    expect(DEFAULT_TEMPERATURE).toBe(0.7)
    expect(DEFAULT_MAX_TOKENS).toBe(256)
    expect(samplingParams()).toEqual({ temperature: 0.7, max_tokens: 256 })
    expect(samplingParams({})).toEqual({ temperature: 0.7, max_tokens: 256 })
  })

  it('maps every field to llama-server names', () => {
    expect(samplingParams({ temperature: 0.2, topK: 40, topP: 0.9, maxTokens: 64, seed: 1234 }))
      .toEqual({ temperature: 0.2, max_tokens: 64, top_k: 40, top_p: 0.9, seed: 1234 })
  })

  it('asks llama.cpp to ignore end-of-generation tokens only when ignoreEos is set (fixed-length bench decodes)', () => {
    expect(samplingParams({ maxTokens: 64, ignoreEos: true })).toEqual({ temperature: 0.7, max_tokens: 64, ignore_eos: true })
    expect(samplingParams({ ignoreEos: false })).not.toHaveProperty('ignore_eos')
  })

  it('keeps temperature 0 (greedy) rather than the default', () => {
    expect(samplingParams({ temperature: 0 }).temperature).toBe(0)
  })

  it('keeps zero values of the optional fields', () => {
    expect(samplingParams({ topK: 0, topP: 0, seed: 0, maxTokens: 0 }))
      .toEqual({ temperature: 0.7, max_tokens: 0, top_k: 0, top_p: 0, seed: 0 })
  })

  it('leaves unset optional fields out', () => {
    expect(Object.keys(samplingParams({ topP: 0.5 })).sort()).toEqual(['max_tokens', 'temperature', 'top_p'])
  })
})
