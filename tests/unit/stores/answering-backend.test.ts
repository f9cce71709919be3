/** Who answers the next message: the settings' backend, the loaded model, or Gemini as Auto's fallback. */
import { describe, expect, it } from 'vitest'
import { answeringBackend } from '../../../src/stores/manager'

const settings = (backend: 'auto' | 'local-cpu' | 'local-gpu' | 'gemini' | 'openai-compat', fallback = false, key = '') =>
  ({ backend, isGeminiFallbackOn: fallback, geminiApiKey: key })

describe('answeringBackend', () => {
  it('a cloud backend answers whether or not a local model is loaded', () => {
    expect(answeringBackend(settings('gemini'), false)).toBe('gemini')
    expect(answeringBackend(settings('openai-compat'), true)).toBe('openai-compat')
  })

  it('a loaded local model answers on Auto and the local backends', () => {
    for (const backend of ['auto', 'local-cpu', 'local-gpu'] as const)
      expect(answeringBackend(settings(backend, true, 'k'), true)).toBe('wllama')
  })

  it('on Auto with no local model, Gemini answers only with fallback on and a key', () => {
    expect(answeringBackend(settings('auto', true, 'k'), false)).toBe('gemini')
    expect(answeringBackend(settings('auto', false, 'k'), false)).toBeNull()
    expect(answeringBackend(settings('auto', true, ''), false)).toBeNull()
  })

  it('a local backend chosen explicitly never sends to Gemini by itself', () => {
    expect(answeringBackend(settings('local-cpu', true, 'k'), false)).toBeNull()
    expect(answeringBackend(settings('local-gpu', true, 'k'), false)).toBeNull()
  })
})
