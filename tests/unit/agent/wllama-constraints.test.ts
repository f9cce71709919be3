/** What the agent's requests become in wllama's parameters: schema as a grammar source, tools and tool turns. */
import { describe, expect, it } from 'vitest'
import { constraintParams, toWllamaMessage } from '../../../src/contract/prompt'

const schema = { type: 'object', properties: { a: { type: 'string' } } }
const tools = [{ type: 'function' as const, function: { name: 'calculator', description: 'd', parameters: { type: 'object' } } }]

describe('wllama constraints', () => {
  it('a completion-mode request carries json_schema (llama-server /completion field)', () => {
    expect(constraintParams({ messages: [], responseSchema: schema }, 'completion')).toEqual({ json_schema: schema })
    expect(constraintParams({ messages: [] }, 'completion')).toEqual({})
  })

  it('a chat request carries response_format and tools', () => {
    expect(constraintParams({ messages: [], responseSchema: schema, tools }, 'chat')).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'step', schema, strict: true } },
      tools,
    })
  })

  it('a GBNF grammar wins over the schema on both paths (wllama\'s sampling grammar)', () => {
    const grammar = 'root ::= "{}"'
    expect(constraintParams({ messages: [], responseSchema: schema, grammar }, 'completion')).toEqual({ grammar })
    expect(constraintParams({ messages: [], responseSchema: schema, grammar }, 'chat')).toEqual({ grammar })
  })

  it('tool turns are native when tools are offered, user text otherwise', () => {
    const tool = { role: 'tool' as const, content: '42', tool_call_id: 'c1', name: 'calculator' }
    expect(toWllamaMessage(tool, true)).toEqual({ role: 'tool', content: '42', tool_call_id: 'c1' })
    expect(toWllamaMessage(tool, false)).toEqual({ role: 'user', content: '42' })
    const calls = [{ id: 'c1', type: 'function' as const, function: { name: 'calculator', arguments: '{}' } }]
    expect(toWllamaMessage({ role: 'assistant', content: '', tool_calls: calls }, true)).toEqual({ role: 'assistant', content: '', tool_calls: calls })
  })
})
