import { describe, expect, it } from 'vitest'
import { goesToEnd, type ChatShape } from '../../../src/composables/follow-scroll'

const shape = (ids: string[], isBusy = false, conversationId: string | null = 'c1'): ChatShape => ({ conversationId, ids, isBusy })

describe('goesToEnd: which changes of the chat take it to its end', () => {
  it('the first render, another conversation, and messages added at the end do', () => {
    expect(goesToEnd(undefined, shape(['u1', 'a1']))).toBe(true)
    expect(goesToEnd(shape(['u1', 'a1']), shape(['x1'], false, 'c2'))).toBe(true)
    expect(goesToEnd(shape(['u1', 'a1']), shape(['u1', 'a1', 'u2', 'a2']))).toBe(true)
    expect(goesToEnd(shape([]), shape(['u1']))).toBe(true)
  })

  it('a reply that starts does (send, Regenerate, edit-and-resend), even when no message was added', () => {
    expect(goesToEnd(shape(['u1', 'a1']), shape(['u1', 'a2'], true))).toBe(true)
    expect(goesToEnd(shape(['u1', 'a1', 'u2', 'a2']), shape(['u1', 'a1', 'u3', 'a3'], true))).toBe(true)
  })

  it('a version switched with < > does not: the branch below the switched message changes, the scroll stays', () => {
    // The first question's other version, with its own answers below it.
    expect(goesToEnd(shape(['u1', 'a1', 'u2', 'a2']), shape(['u1b', 'a1b']))).toBe(false)
    expect(goesToEnd(shape(['u1', 'a1', 'u2', 'a2']), shape(['u1b', 'a1b', 'u2b', 'a2b', 'u3', 'a3']))).toBe(false)
    // An earlier answer's other version.
    expect(goesToEnd(shape(['u1', 'a1', 'u2', 'a2']), shape(['u1', 'a1b']))).toBe(false)
    // A reply that ends is not a new message either.
    expect(goesToEnd(shape(['u1', 'a1'], true), shape(['u1', 'a1'], false))).toBe(false)
  })
})
