/** The last-resort parser, against exact strings models write. */
import { describe, expect, it } from 'vitest'
import { extractJsonObject, parseStepText } from '../../../src/agent/text-parser'

describe('parseStepText', () => {
  it('reads a bare JSON tool call', () => {
    expect(parseStepText('{"thought": "add", "tool": "calculator", "arguments": {"expression": "1+2"}}')).toEqual(
      { kind: 'call', thought: 'add', name: 'calculator', args: { expression: '1+2' }, argsText: '{"expression":"1+2"}' },
    )
  })

  it('reads JSON inside a code fence with prose and a trailing comma', () => {
    const text = 'Sure! Here is my step:\n```json\n{"thought": "t", "tool": "calculator", "arguments": {"expression": "2*3",},}\n```\nDone.'
    expect(parseStepText(text)).toMatchObject({ kind: 'call', name: 'calculator', args: { expression: '2*3' } })
  })

  it('keeps braces inside strings', () => {
    expect(extractJsonObject('x {"a": "}{", "b": {"c": 1}} y')).toBe('{"a": "}{", "b": {"c": 1}}')
  })

  it('reads a final answer step', () => {
    expect(parseStepText('{"thought": "done", "tool": "final_answer", "answer": "It is 3."}')).toEqual({ kind: 'answer', thought: 'done', text: 'It is 3.' })
  })

  it('reads the ReAct layout', () => {
    const text = 'Thought: I need to add.\nAction: calculator\nAction Input: {"expression": "4+4"}'
    expect(parseStepText(text)).toEqual({ kind: 'call', thought: 'I need to add.', name: 'calculator', args: { expression: '4+4' }, argsText: '{"expression": "4+4"}' })
    expect(parseStepText('Thought: easy.\nFinal Answer: 8')).toEqual({ kind: 'answer', thought: 'easy.', text: '8' })
  })

  it('flags ReAct input that is not JSON as an argument error, not a crash', () => {
    expect(parseStepText('Action: calculator\nAction Input: 4+4')).toMatchObject({ kind: 'call', name: 'calculator', argsError: expect.stringMatching(/JSON object/) })
  })

  it('reports an unclosed or broken JSON step as malformed', () => {
    expect(parseStepText('{"thought": "x", "tool": "calcul')).toMatchObject({ kind: 'malformed' })
    expect(parseStepText('{"thought": x}')).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/not valid JSON/) })
    expect(parseStepText('{"thought": "no answer", "tool": "final_answer"}')).toMatchObject({ kind: 'malformed' })
  })

  it('takes plain prose as the final answer', () => {
    expect(parseStepText('  Paris is the capital of France.  ')).toEqual({ kind: 'answer', thought: '', text: 'Paris is the capital of France.' })
  })
})
