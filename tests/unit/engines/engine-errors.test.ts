/** What the worker says when wllama fails during an answer (src/workers/inference/wllama/engine-errors.ts). */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../src/shared/errors'
import { contextError, engineError } from '../../../src/workers/inference/wllama/engine-errors'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('engineError', () => {
  it('names the model file in plain words and keeps the engine\'s own text out of the message', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    // What a random-weight model's answer raised inside wllama, on a newcomer's screen.
    const raw = new RangeError('Invalid typed array length: 1163217991')
    const err = engineError(raw, 'https://host.example/models/llama-2-tiny-random.gguf')
    expect(err.code).toBe('inference_failed')
    expect(err.message).toBe('llama-2-tiny-random.gguf failed inside the engine while writing this answer, so the answer stops here.')
    expect(err.message).not.toMatch(/typed array|RangeError/)
    expect(err.cause).toBe(raw)
    expect(warn).toHaveBeenCalledWith('wllama failed while writing an answer', raw)
  })

  it('passes an AppError through as it is', () => {
    const aborted = new AppError('aborted')
    expect(engineError(aborted, 'x.gguf')).toBe(aborted)
  })
})

describe('contextError', () => {
  it('reads llama.cpp\'s count of a prompt over the context, and nothing else', () => {
    const err = contextError(new Error('request (802 tokens) exceeds the available context size (256 tokens), try increasing it'))
    expect(err).toMatchObject({ code: 'context_exceeded', details: { promptTokens: 802, nCtx: 256 } })
    expect(contextError(new Error('Invalid typed array length: 4'))).toBeUndefined()
  })
})
