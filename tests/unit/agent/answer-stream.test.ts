import { describe, expect, it } from 'vitest'
import { AnswerStreamer } from '../../../src/agent/answer-stream'

/** Feeds `text` in pieces of `size` characters and joins what comes out. */
function streamed(text: string, size: number): { pieces: string[], joined: string } {
  const s = new AnswerStreamer()
  const pieces: string[] = []
  for (let i = 0; i < text.length; i += size) {
    const out = s.push(text.slice(i, i + size))
    if (out)
      pieces.push(out)
  }
  return { pieces, joined: pieces.join('') }
}

const STEP = '{"thought": "The user greets me.", "tool": "final_answer", "answer": "Hello \\"friend\\"!\\nA line \\u00e9t\\u00e9 \\\\ end."}'

describe('AnswerStreamer', () => {
  it.each([1, 2, 3, 5, 7, 64, 500])('decodes the answer exactly, fed %i characters at a time', (size) => {
    expect(streamed(STEP, size).joined).toBe('Hello "friend"!\nA line été \\ end.')
  })

  it('hands the answer out while it is written, not at the end', () => {
    expect(streamed(STEP, 4).pieces.length).toBeGreaterThan(5)
  })

  it('yields nothing for a tool call step, even one whose arguments mention an answer', () => {
    const call = '{"thought": "compute", "tool": "calculator", "arguments": {"expression": "1+1", "answer": "no"}}'
    expect(streamed(call, 3).joined).toBe('')
  })

  it('stops at the closing quote: what follows the answer is not shown', () => {
    expect(streamed('{"thought":"t","tool":"final_answer","answer":"done"} trailing "text"', 2).joined).toBe('done')
  })
})
