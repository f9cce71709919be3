/** The GBNF step grammar: only the listed tools, their argument shapes, or a final answer, in the prompt's layout. */
import { describe, expect, it } from 'vitest'
import { MAX_GRAMMAR_REPETITION, stepGrammar } from '../../../src/agent/step-grammar'
import { builtinTools } from '../../../src/agent/tools/registry'
import { matchesGbnf, parseGbnf } from './gbnf-matcher'

const tools = builtinTools().map(t => ({ name: t.name, parameters: t.parameters }))
const grammar = stepGrammar(tools, { maxAnswerChars: 40 })
const ok = (text: string) => expect(matchesGbnf(grammar, text), text).toBe(true)
const no = (text: string) => expect(matchesGbnf(grammar, text), text).toBe(false)

describe('stepGrammar', () => {
  it('parses as GBNF, every rule defined', () => {
    expect(() => parseGbnf(grammar)).not.toThrow()
    expect(grammar.split('\n')[0]).toMatch(/^root ::= /)
  })

  it('accepts the prompt\'s example steps and each tool with its argument shape', () => {
    ok('{"tool": "calculator", "arguments": {"expression": "12 * 7"}}')
    ok('{"tool": "convert_units", "arguments": {"value": 2, "from": "km", "to": "m"}}')
    ok('{"tool": "convert_units", "arguments": {"value": -26.2, "from": "mi", "to": "km"}}')
    ok('{"tool": "datetime", "arguments": {}}')
    ok('{"tool": "datetime", "arguments": {"timeZone": "Asia/Tokyo"}}')
    ok('{"tool": "datetime", "arguments": {"instant": "2026-11-30T10:00:00Z"}}')
    ok('{"tool": "datetime", "arguments": {"timeZone": "UTC", "instant": "2026-11-30T10:00:00Z"}}')
    ok('{"tool": "search_notes", "arguments": {"query": "dentist"}}')
    ok('{"tool": "final_answer", "answer": "William Shakespeare wrote \\"Hamlet\\"."}')
  })

  it('refuses unknown tools, wrong argument shapes, a missing answer and other layouts', () => {
    no('{"tool": "web_search", "arguments": {"query": "x"}}')
    no('{"tool": "calculator", "arguments": {"expression": 12}}')
    no('{"tool": "calculator", "arguments": {"expression": ""}}') // minLength 1
    no('{"tool": "calculator", "arguments": {}}')
    no('{"tool": "convert_units", "arguments": {"value": "2", "from": "km", "to": "m"}}')
    no('{"tool": "convert_units", "arguments": {"value": 2, "from": "kilometres", "to": "m"}}') // maxLength 8
    no('{"tool": "convert_units", "arguments": {"from": "km", "value": 2, "to": "m"}}')
    no('{"tool": "datetime", "arguments": {"instant": "x", "timeZone": "UTC"}}')
    no('{"tool": "final_answer", "answer": ""}')
    no(`{"tool": "final_answer", "answer": "${'a'.repeat(41)}"}`)
    no('{"thought": "x", "tool": "final_answer", "answer": "Paris"}')
    no('{"tool":"final_answer","answer":"Paris"}')
  })

  it('no repetition goes past llama.cpp\'s threshold (char{1,2000} does not parse there)', () => {
    const big = stepGrammar([{ name: 'long', parameters: { type: 'object', properties: { text: { type: 'string', maxLength: 100_000 } }, required: ['text'] } }], { maxAnswerChars: 5000, maxStringChars: 100_000 })
    const counts = [...big.matchAll(/\{\d+,(\d+)\}/g)].map(m => Number(m[1]))
    expect(counts.length).toBeGreaterThan(0)
    expect(Math.max(...counts)).toBeLessThanOrEqual(MAX_GRAMMAR_REPETITION)
    expect(MAX_GRAMMAR_REPETITION).toBeLessThan(2000)
  })

  it('without tools only a final answer is allowed', () => {
    const answerOnly = stepGrammar([], { maxAnswerChars: 40 })
    expect(matchesGbnf(answerOnly, '{"tool": "final_answer", "answer": "7006652"}')).toBe(true)
    expect(matchesGbnf(answerOnly, '{"tool": "calculator", "arguments": {"expression": "1"}}')).toBe(false)
  })

  it('schemas it does not model (MCP tools) take enums, integers, booleans, arrays and any JSON value', () => {
    const g = stepGrammar([{ name: 'lookup', parameters: { type: 'object', properties: { kind: { enum: ['a', 'b'] }, n: { type: 'integer' }, on: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } }, extra: { anyOf: [{ type: 'string' }] } }, required: ['kind'] } }], { maxAnswerChars: 10 })
    expect(matchesGbnf(g, '{"tool": "lookup", "arguments": {"kind": "a", "n": 3, "on": true, "tags": ["x", "y"], "extra": {"k": [1, null]}}}')).toBe(true)
    expect(matchesGbnf(g, '{"tool": "lookup", "arguments": {"kind": "c"}}')).toBe(false)
    expect(matchesGbnf(g, '{"tool": "lookup", "arguments": {"kind": "a", "n": 1.5}}')).toBe(false)
  })
})
