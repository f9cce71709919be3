import { describe, expect, it } from 'vitest'
import { browserKernel, browserNote, preferredFile, quantizationOf } from '../../../src/models/quant-advice'

describe('quant-advice', () => {
  it('reads the quantization from Hub file names', () => {
    expect(quantizationOf('SmolLM2-135M-Instruct.Q4_1.gguf')).toBe('Q4_1')
    expect(quantizationOf('sub/qwen2.5-0.5b-instruct-q4_k_m.gguf')).toBe('Q4_K_M')
    expect(quantizationOf('Llama-3.2-1B-Instruct-IQ4_XS.gguf')).toBe('IQ4_XS')
    expect(quantizationOf('model-f16.gguf')).toBe('F16')
    expect(quantizationOf('stories260K.gguf')).toBeUndefined()
  })

  it('marks the quantizations ggml runs with generic C in WebAssembly and the bench has not measured fast', () => {
    // Q4_1 is generic C too, but measured at Q4_0's speed in wllama (docs/performance.md quant_*): not marked.
    expect(browserKernel('Q4_1')).toBe('simd')
    expect(browserNote('SmolLM2-135M-Instruct.Q4_1.gguf')).toBe('')
    expect(browserKernel('IQ4_XS')).toBe('scalar')
    expect(browserNote('Llama-3.2-1B-Instruct-IQ4_XS.gguf')).toContain('slow in the browser')
    expect(browserKernel('Q4_0')).toBe('simd')
    expect(browserKernel('Q4_K_M')).toBe('simd')
    expect(browserKernel('Q8_0')).toBe('simd')
    expect(browserNote('x.Q8_0.gguf')).toBe('')
  })

  it('selects the quantization that runs best in the browser first', () => {
    const files = ['m.Q4_1.gguf', 'm.Q8_0.gguf', 'm.Q4_K_M.gguf', 'm.IQ4_XS.gguf']
    expect(preferredFile(files)).toBe('m.Q4_K_M.gguf')
    expect(preferredFile(['m.Q4_1.gguf', 'm.Q8_0.gguf'])).toBe('m.Q8_0.gguf')
    expect(preferredFile(['m.IQ4_XS.gguf', 'm.Q3_K_L.gguf'])).toBe('m.Q3_K_L.gguf')
    expect(preferredFile(['m.Q4_1.gguf'])).toBe('m.Q4_1.gguf')
    expect(preferredFile([])).toBeUndefined()
  })
})
