/** Reasoning kept apart from the answer, whatever the backend and however the tags are cut between deltas. */
import { describe, expect, it } from 'vitest'
import { ReasoningSplitter, stripReasoning } from '../../../src/contract/reasoning'
import { readStream, type StreamChunk } from '../../../src/workers/inference/wllama/stream'

function split(deltas: string[]) {
  const s = new ReasoningSplitter()
  const shown = deltas.map(d => s.push(d).answer).join('') + s.flush().answer
  return { shown, answer: s.answer, reasoning: s.reasoning }
}

describe('ReasoningSplitter', () => {
  it.each([
    [['<think>a plan</think>\n\nThe answer.']],
    [['<', 'think', '>a pl', 'an</', 'think>', '\n\nThe ', 'answer.']],
    [['<think>a plan</think>\n\nThe answer', '.']],
  ])('splits %j at any cut', (deltas) => {
    expect(split(deltas)).toEqual({ shown: 'The answer.', answer: 'The answer.', reasoning: 'a plan' })
  })

  it('leaves text with a lone < alone', () => {
    expect(split(['1 < 2 and ', '<b>bold</b>'])).toEqual({ shown: '1 < 2 and <b>bold</b>', answer: '1 < 2 and <b>bold</b>', reasoning: '' })
  })

  it('an unclosed block (cut by the length limit) is all reasoning', () => {
    expect(split(['<think>still going'])).toMatchObject({ answer: '', reasoning: 'still going' })
  })

  it('stripReasoning removes blocks from stored history', () => {
    expect(stripReasoning('<think>x</think>\nHi')).toBe('Hi')
    expect(stripReasoning('plain')).toBe('plain')
  })
})

describe('wllama stream: local reasoning', () => {
  it('<think> blocks and reasoning_content go to the summary\'s reasoning, not to the deltas', async () => {
    async function* chunks(): AsyncGenerator<StreamChunk> {
      yield { choices: [{ delta: { reasoning_content: 'Field. ' }, finish_reason: null }] }
      yield { choices: [{ delta: { content: '<think>Tag.</think>' }, finish_reason: null }] }
      yield { choices: [{ delta: { content: 'Answer' }, finish_reason: 'stop' }] }
    }
    const deltas: string[] = []
    const read = await readStream(chunks(), d => deltas.push(d))
    const summary = read.summary({ threads: 1 } as never, 0, performance.now())
    expect(deltas.join('')).toBe('Answer')
    expect(summary).toMatchObject({ text: 'Answer', reasoning: 'Field. Tag.' })
  })
})
