/** Strategy choice and the step schema local models are constrained to. */
import { describe, expect, it } from 'vitest'
import { buildRequest, chooseStrategy, cutAnswer, parseReply, promptFor, stepSchema } from '../../../src/agent/strategies'
import { toolLine } from '../../../src/agent/step-prompt'
import type { ChatMessage, ChatSummary } from '../../../src/contract/types'
import { METRICS } from './scripted-service'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'

describe('strategies', () => {
  it('native when the backend has tool calls, schema when it can constrain output, text otherwise', () => {
    expect(chooseStrategy({ isLocal: false, hasNativeToolCalls: true, maxContextTokens: 1 })).toBe('native')
    expect(chooseStrategy({ isLocal: true, hasNativeToolCalls: false, hasSchemaOutput: true, maxContextTokens: 1 })).toBe('schema')
    expect(chooseStrategy({ isLocal: true, hasNativeToolCalls: false, maxContextTokens: 1 })).toBe('text')
  })

  it('the step schema is one branch per enabled tool (its own argument schema) plus a bounded final answer', () => {
    const registry = new ToolRegistry(builtinTools(), { enabled: ['calculator', 'convert_units'] })
    const schema = stepSchema(registry, { maxThoughtChars: 10, maxAnswerChars: 20 }) as { anyOf: Array<{ properties: Record<string, { const?: string, maxLength?: number }> }> }
    expect(schema.anyOf.map(b => b.properties.tool!.const)).toEqual(['calculator', 'convert_units', 'final_answer'])
    expect(schema.anyOf[0]!.properties.arguments).toBe(registry.get('calculator')!.parameters)
    expect(schema.anyOf[2]!.properties.answer!.maxLength).toBe(20)
    expect(schema.anyOf.every(b => b.properties.thought!.maxLength === 10)).toBe(true)
    // The tool comes first and a thought is optional: the grammar leaves it out.
    expect(schema.anyOf.map(b => Object.keys(b.properties)[0])).toEqual(['tool', 'tool', 'tool'])
    expect((schema.anyOf as unknown as Array<{ required: string[] }>).map(b => b.required)).toEqual([['tool', 'arguments'], ['tool', 'arguments'], ['tool', 'answer']])
  })

  it('a schema step carries the same constraint as a GBNF grammar; answer-only steps allow nothing else', () => {
    const registry = new ToolRegistry(builtinTools(), { enabled: ['calculator', 'convert_units'] })
    const req = buildRequest('schema', [{ role: 'user', content: 'Hi' }], registry)
    expect(req.grammar).toMatch(/^root ::= call-calculator-\d+ \| call-convert-units-\d+ \| answer-\d+$/m)
    const answerOnly = buildRequest('schema', [{ role: 'user', content: 'Hi' }], registry, undefined, undefined, true)
    expect(answerOnly.grammar).toMatch(/^root ::= answer-\d+$/m)
    expect((answerOnly.responseSchema as { anyOf: Array<{ properties: { tool: { const: string } } }> }).anyOf.map(b => b.properties.tool.const)).toEqual(['final_answer'])
    expect(answerOnly.messages).toEqual(req.messages)
    expect(buildRequest('text', [{ role: 'user', content: 'Hi' }], registry).grammar).toBeUndefined()
  })

  it('a prompted request is one user message with the tools and the whole conversation', () => {
    const registry = new ToolRegistry(builtinTools(), { enabled: ['calculator'] })
    const req = buildRequest('schema', [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }], registry, { temperature: 0 })
    expect(req.messages).toHaveLength(1)
    expect(req.messages[0]!.content).toMatch(/^Tools:\ncalculator\(expression: string\) - evaluate arithmetic\n.*\nConversation:\nSystem: Be kind.\nUser: Hi\nNext step \(JSON\):$/s)
    expect(req.sampling).toEqual({ maxTokens: 1024, temperature: 0 })
    expect(req.responseSchema).toBeDefined()
    expect(buildRequest('text', [], registry).responseSchema).toBeUndefined()
  })

  it('tools are compact signatures: required and optional arguments with their types, then the summary', () => {
    const [calculator, datetime, units] = builtinTools()
    expect(toolLine(calculator!)).toBe('calculator(expression: string) - evaluate arithmetic')
    expect(toolLine(datetime!)).toBe('datetime(timeZone?: string, instant?: string) - date and time in a time zone such as "Europe/Paris"')
    expect(toolLine(units!)).toBe('convert_units(value: number, from: string, to: string) - convert units such as km, lb, C')
  })

  it('no prompt shows a <placeholder> or "..." a tiny model could copy as content', () => {
    const history: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 6 * 7?' },
      { role: 'assistant', content: 'Arithmetic.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6 * 7"}' } }] },
      { role: 'tool', tool_call_id: 'c1', name: 'calculator', content: '42' },
    ]
    const registries = [[], ['calculator'], ['datetime', 'search_notes'], undefined].map(enabled => new ToolRegistry(builtinTools(), { enabled }))
    for (const registry of registries) {
      const prompt = promptFor(history, registry)
      expect(prompt).not.toMatch(/<[^<>\n]*>/)
      expect(prompt).not.toMatch(/\.\.\.|…/)
      expect(prompt).toContain('"final_answer"')
    }
  })

  it('the prompt says to answer directly when no tool fits, and shows a worked example with real values', () => {
    const prompt = promptFor([{ role: 'user', content: 'What is the capital of France?' }], new ToolRegistry(builtinTools()))
    expect(prompt).toMatch(/Use a tool only when needed; for general knowledge, answer at once with "final_answer"\./)
    expect(prompt).toContain('Assistant: {"tool": "calculator", "arguments": {"expression": "12 * 7"}}')
    const units = promptFor([], new ToolRegistry(builtinTools(), { enabled: ['convert_units', 'search_notes'] }))
    expect(units).toContain('Assistant: {"tool": "convert_units", "arguments": {"value": 2, "from": "km", "to": "m"}}')
    expect(units).not.toContain('calculator')
    expect(units).not.toContain('"query": "gym"') // one tool example: the first offered tool's
    expect(promptFor([], new ToolRegistry(builtinTools(), { enabled: ['datetime'] }))).toContain('Assistant: {"tool": "datetime", "arguments": {"timeZone": "Europe/London"}}')
    // Every prompt shows a direct answer, so general knowledge gets no tool call.
    expect(prompt).toContain('Assistant: {"tool": "final_answer", "answer": "Shakespeare wrote Hamlet."}')
    const withoutCalculator = promptFor([], new ToolRegistry(builtinTools(), { enabled: ['datetime'] }))
    expect(withoutCalculator).not.toContain('calculator')
    expect(withoutCalculator).toContain('"answer": "Shakespeare wrote Hamlet."')
  })

  it.each(['schema', 'text'] as const)('%s: a thought or answer copied from the instructions makes the step malformed', (kind) => {
    const reply = (text: string): ChatSummary => ({ text, finishReason: 'stop', mode: 'chat', metrics: { ...METRICS } })
    expect(parseReply(kind, reply('{"thought": "<short reasoning>", "tool": "calculator", "arguments": {"expression": "1"}}'))).toMatchObject([{ kind: 'malformed' }])
    expect(parseReply(kind, reply('{"thought": "ok", "tool": "final_answer", "answer": "<answer for the user>"}'))).toMatchObject([{ kind: 'malformed' }])
    expect(parseReply(kind, reply('{"thought": "ok", "tool": "final_answer", "answer": "final_answer"}'))).toMatchObject([{ kind: 'malformed' }])
    expect(parseReply(kind, reply('{"thought": "ok", "tool": "final_answer", "answer": " "}'))).toMatchObject([{ kind: 'malformed', reason: 'The answer is empty.' }])
    expect(parseReply(kind, reply('{"thought": "I know this.", "tool": "final_answer", "answer": "Paris."}'))).toEqual([{ kind: 'answer', thought: 'I know this.', text: 'Paris.' }])
  })

  it('schema: a final answer cut off by the token limit is the answer so far; a cut call stays malformed', () => {
    const reply = (text: string): ChatSummary => ({ text, finishReason: 'length', mode: 'chat', metrics: { ...METRICS } })
    expect(parseReply('schema', reply('{"tool": "final_answer", "answer": "The capital of France is Paris, a city \\"famous'))).toEqual([{ kind: 'answer', thought: '', text: 'The capital of France is Paris, a city "famous' }])
    expect(parseReply('schema', reply('{"tool": "calculator", "arguments": {"expression": "12 *'))).toMatchObject([{ kind: 'malformed' }])
    expect(parseReply('schema', reply('{"tool": "final_answer", "answer": "  '))).toMatchObject([{ kind: 'malformed' }])
    expect(cutAnswer('{"tool": "final_answer", "answer": "42 is')).toBe('42 is')
  })

  it('the text parser reads the example steps of the prompt exactly', () => {
    const reply = (text: string): ChatSummary => ({ text, finishReason: 'stop', mode: 'chat', metrics: { ...METRICS } })
    expect(parseReply('text', reply('{"thought": "Arithmetic.", "tool": "calculator", "arguments": {"expression": "12 * 7"}}'))).toEqual([
      { kind: 'call', thought: 'Arithmetic.', name: 'calculator', args: { expression: '12 * 7' }, argsText: '{"expression":"12 * 7"}' },
    ])
  })
})
