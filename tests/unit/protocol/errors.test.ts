import { describe, expect, it } from 'vitest'
import {
  AppError,
  ERROR_CODES,
  ERROR_HELP,
  deserializeError,
  isErrorCode,
  serializeError,
  toAppError,
} from '../../../src/shared/errors'
import type { ErrorCode, SerializedError } from '../../../src/shared/errors'

/** What the receiving side of `postMessage` gets: a structured clone, so no prototype and no `instanceof`. */
function acrossPostMessage(err: unknown): AppError {
  return deserializeError(structuredClone(serializeError(err)))
}

describe('serializeError -> structuredClone -> deserializeError', () => {
  it.each(ERROR_CODES.map(code => [code]))('keeps code, message and name for %s', (code: ErrorCode) => {
    const original = new AppError(code, `details for ${code}`)
    const rebuilt = acrossPostMessage(original)
    expect(rebuilt).toBeInstanceOf(AppError)
    expect(rebuilt.code).toBe(code)
    expect(rebuilt.message).toBe(`details for ${code}`)
    expect(rebuilt.name).toBe(code === 'aborted' ? 'AbortError' : 'AppError')
    expect(rebuilt.stack).toBe(original.stack)
  })

  it('sends a plain object that survives structuredClone unchanged', () => {
    const serialized = serializeError(new AppError('timeout', 'took 31 s'))
    expect(structuredClone(serialized)).toEqual({ name: 'AppError', code: 'timeout', message: 'took 31 s', stack: serialized.stack })
  })

  it('turns an aborted error into an AbortError on the other side', () => {
    const rebuilt = acrossPostMessage(new DOMException('The user pressed Stop.', 'AbortError'))
    expect(rebuilt.name).toBe('AbortError')
    expect(rebuilt.code).toBe('aborted')
    expect(rebuilt.message).toBe('The user pressed Stop.')
  })

  it('uses the fallback code for foreign errors', () => {
    const serialized = serializeError(new TypeError('bad token'), 'inference_failed')
    expect(serialized.code).toBe('inference_failed')
    expect(serialized.message).toBe('bad token')
    expect(serialized.name).toBe('AppError')
  })
})

describe('deserializeError', () => {
  it('maps an unknown code to unknown and keeps the message', () => {
    const wire = { name: 'AppError', code: 'disk_on_fire', message: 'from a newer worker' } as unknown as SerializedError
    const rebuilt = deserializeError(wire)
    expect(rebuilt.code).toBe('unknown')
    expect(rebuilt.message).toBe('from a newer worker')
    expect(rebuilt.name).toBe('AppError')
  })

  it('keeps its own stack when none was sent', () => {
    const rebuilt = deserializeError({ name: 'AppError', code: 'load_failed', message: 'no stack' })
    expect(rebuilt.stack).toContain('no stack')
  })
})

describe('toAppError', () => {
  it('maps a DOMException AbortError to aborted and keeps it as the cause', () => {
    const dom = new DOMException('signal is aborted without reason', 'AbortError')
    const app = toAppError(dom, 'inference_failed')
    expect(app).toBeInstanceOf(AppError)
    expect(app.code).toBe('aborted')
    expect(app.name).toBe('AbortError')
    expect(app.message).toBe('signal is aborted without reason')
    expect(app.cause).toBe(dom)
  })

  it('maps the reason of AbortSignal.abort() to aborted', () => {
    const reason: unknown = AbortSignal.abort().reason
    expect(toAppError(reason).code).toBe('aborted')
  })

  it('does not treat other DOMExceptions as aborts', () => {
    expect(toAppError(new DOMException('too slow', 'TimeoutError'), 'load_failed').code).toBe('load_failed')
  })

  it('gives a plain Error the fallback code and its message', () => {
    const err = new Error('wasm trap: unreachable')
    const app = toAppError(err, 'inference_failed')
    expect(app.code).toBe('inference_failed')
    expect(app.message).toBe('wasm trap: unreachable')
    expect(app.name).toBe('AppError')
    expect(app.cause).toBe(err)
  })

  it('defaults the fallback to unknown', () => {
    expect(toAppError(new Error('x')).code).toBe('unknown')
  })

  it('uses the code title when the Error has no message', () => {
    expect(toAppError(new Error(''), 'out_of_memory').message).toBe(ERROR_HELP.out_of_memory.title)
  })

  it('uses a thrown string as the message', () => {
    const app = toAppError('the GGUF header is short', 'invalid_model_file')
    expect(app.code).toBe('invalid_model_file')
    expect(app.message).toBe('the GGUF header is short')
  })

  it.each([[undefined], [null], [42], [{ code: 'aborted' }]])('uses the title for a thrown %j', (value: unknown) => {
    const app = toAppError(value, 'load_failed')
    expect(app.code).toBe('load_failed')
    expect(app.message).toBe(ERROR_HELP.load_failed.title)
  })

  it('returns an AppError unchanged', () => {
    const original = new AppError('queue_full')
    expect(toAppError(original, 'inference_failed')).toBe(original)
  })
})

describe('AppError', () => {
  it('defaults its message to the title and exposes the action', () => {
    const err = new AppError('storage_quota')
    expect(err.message).toBe(ERROR_HELP.storage_quota.title)
    expect(err.action).toBe(ERROR_HELP.storage_quota.action)
  })

  it('recognises only listed codes', () => {
    expect(isErrorCode('worker_crashed')).toBe(true)
    expect(isErrorCode('Worker_Crashed')).toBe(false)
    expect(isErrorCode(7)).toBe(false)
  })
})

describe('ERROR_HELP', () => {
  it.each(ERROR_CODES.map(code => [code]))('has a title and an action for %s', (code: ErrorCode) => {
    const help = ERROR_HELP[code]
    expect(help.title.trim()).not.toBe('')
    expect(help.action.trim()).not.toBe('')
  })

  it('has an entry for exactly the listed codes', () => {
    expect(Object.keys(ERROR_HELP).sort()).toEqual([...ERROR_CODES].sort())
  })
})
