/** Strategy choice and the step schema local models are constrained to. */
import { describe, expect, it } from 'vitest'
import { buildRequest, chooseStrategy, stepSchema } from '../../../src/agent/strategies'
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
  })

  it('a prompted request is one user message with the tools and the whole conversation', () => {
    const registry = new ToolRegistry(builtinTools(), { enabled: ['calculator'] })
    const req = buildRequest('schema', [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }], registry, { temperature: 0 })
    expect(req.messages).toHaveLength(1)
    expect(req.messages[0]!.content).toMatch(/- calculator: .*\nConversation:\nSystem: Be kind.\nUser: Hi\nNext step \(JSON\):$/s)
    expect(req.sampling).toEqual({ maxTokens: 1024, temperature: 0 })
    expect(req.responseSchema).toBeDefined()
    expect(buildRequest('text', [], registry).responseSchema).toBeUndefined()
  })
})
