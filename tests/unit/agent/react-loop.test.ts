/** The ReAct loop driven by a scripted service: the same transcript for every strategy, and its bounds. */
import { describe, expect, it } from 'vitest'
import { compile } from './compile'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import type { Tool } from '../../../src/agent/tools/tool'
import { AppError } from '../../../src/shared/errors'
import type { ChatMessage } from '../../../src/contract/types'
import { ScriptedService } from './scripted-service'

const USER: ChatMessage[] = [{ role: 'user', content: 'What is 6 * 7?' }]
const tools = () => new ToolRegistry(builtinTools(), { enabled: ['calculator', 'save_note'] })

function step(tool: string, args: unknown, thought = 'thinking') {
  return JSON.stringify({ thought, tool, arguments: args })
}
const final = (answer: string) => JSON.stringify({ thought: 'done', tool: 'final_answer', answer })

describe('runAgentTurn', () => {
  it('native: calls the tool, feeds the observation back as a tool message, answers', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'calculator', args: '{"expression":"6*7"}' }] }, { text: 'It is 42.' })
    const deltas: string[] = []
    const turn = await runAgentTurn(USER, { service: s, tools: tools(), onDelta: d => deltas.push(d) })
    expect(turn.outcome).toBe('answered')
    expect(turn.strategy).toBe('native')
    expect(turn.steps).toEqual([
      { kind: 'tool_call', callId: 'call_1', name: 'calculator', arguments: { expression: '6*7' } },
      { kind: 'observation', callId: 'call_1', name: 'calculator', content: '42', isError: false },
      { kind: 'answer', text: 'It is 42.' },
    ])
    expect(s.requests[0]!.tools?.map(t => t.function.name)).toEqual(['calculator', 'save_note'])
    expect(s.requests[1]!.messages.slice(1)).toEqual([
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', name: 'calculator', content: '42' },
    ])
    expect(deltas.join('')).toBe('It is 42.')
    expect(turn.messages.at(-1)).toEqual({ role: 'assistant', content: 'It is 42.' })
  })

  it.each(['schema', 'text'] as const)('%s: with no tool in reach of the question, a plain chat reply (no step prompt, no JSON)', async (strategy) => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: strategy === 'schema' })
    s.script.push({ text: 'William Shakespeare wrote it.' })
    const deltas: string[] = []
    const question: ChatMessage[] = [{ role: 'user', content: 'Who wrote Romeo and Juliet?' }]
    const turn = await runAgentTurn(question, { service: s, tools: tools(), onDelta: d => deltas.push(d) })
    expect(turn).toMatchObject({ outcome: 'answered', strategy: 'plain', answer: 'William Shakespeare wrote it.', steps: [] })
    expect(s.requests).toHaveLength(1)
    expect(s.requests[0]!.responseSchema).toBeUndefined()
    expect(s.requests[0]!.grammar).toBeUndefined()
    expect(s.requests[0]!.messages).toEqual(question)
    // Not on top of a KV cache another prompt (a tool step) left behind.
    expect(s.requests[0]!.promptReuse).toBe(false)
    expect(deltas.join('')).toBe('William Shakespeare wrote it.')
  })

  it('native: the tools are offered whatever the question (such models choose well)', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ text: 'Shakespeare.' })
    await runAgentTurn([{ role: 'user', content: 'Who wrote Romeo and Juliet?' }], { service: s, tools: tools() })
    expect(s.requests[0]!.tools?.map(t => t.function.name)).toEqual(['calculator', 'save_note'])
  })

  it.each(['schema', 'text'] as const)('%s: the same transcript from prompted JSON steps', async (strategy) => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: strategy === 'schema' })
    s.script.push({ text: step('calculator', { expression: '6*7' }) }, { text: final('It is 42.') })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.strategy).toBe(strategy)
    expect(turn.steps.map(x => x.kind)).toEqual(['thought', 'tool_call', 'observation', 'thought', 'answer'])
    expect(turn.steps[2]).toMatchObject({ content: '42', isError: false })
    expect(turn.answer).toBe('It is 42.')
    expect(!!s.requests[0]!.responseSchema).toBe(strategy === 'schema')
    expect(s.requests[0]!.messages).toHaveLength(1)
    expect(s.requests[1]!.messages[0]!.content).toContain('Observation (calculator): 42')
  })

  it('schema: the final answer streams out of the JSON step; the tool step streams nothing', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: step('calculator', { expression: '6*7' }) }, { text: final('It is "42".') })
    const deltas: string[] = []
    const turn = await runAgentTurn(USER, { service: s, tools: tools(), onDelta: d => deltas.push(d) })
    expect(turn.answer).toBe('It is "42".')
    expect(deltas.join('')).toBe('It is "42".')
  })

  it('a malformed tool call becomes an error observation and the model gets another step', async () => {
    const s = new ScriptedService('openai-compat')
    s.script.push({ calls: [{ name: 'calculator', args: '{"expression": 6*7' }] }, { text: 'ok' })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.steps.find(x => x.kind === 'observation')).toMatchObject({ isError: true, content: expect.stringMatching(/not valid JSON/) })
    expect(turn.outcome).toBe('answered')
  })

  it('a reply that is no step at all is rejected with a reason and the loop goes on', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: '{"thought": "x", "tool": "calcul' }, { text: final('fine') })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.steps[0]).toMatchObject({ kind: 'observation', name: 'invalid_step', isError: true })
    expect(turn.outcome).toBe('answered')
    expect(s.requests[1]!.messages[0]!.content).toContain('That reply was not a valid step')
  })

  it.each([
    ['arguments that are not JSON, then an unknown tool', [{ calls: [{ name: 'calculator', args: '{"expression": 6*7' }] }, { calls: [{ name: 'search_web', args: '{}' }] }]],
    ['arguments that fail the schema, twice', [{ calls: [{ name: 'calculator', args: '{"expr":"1"}' }] }, { calls: [{ name: 'calculator', args: '{"expression":""}' }] }]],
    ['two invalid calls in one reply', [{ calls: [{ name: 'nope', args: '{}' }, { name: 'calculator', args: '{}' }, { name: 'calculator', args: '{"expression":"1"}' }] }]],
  ])('invalid calls end the turn the second time: %s', async (_why, replies) => {
    const s = new ScriptedService('openai-compat')
    s.script.push(...replies)
    s.fallback = () => ({ text: 'never asked' })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.outcome).toBe('invalid_calls')
    expect(s.requests).toHaveLength(replies.length)
    expect(turn.steps.filter(x => x.kind === 'observation').every(x => x.kind === 'observation' && x.isError)).toBe(true)
    expect(turn.answer).toBe('')
  })

  it('malformed steps count as invalid: two of them end the turn', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: '{"thought": "x", "tool": "calcul' }, { text: final('') }, { text: final('never read') })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.outcome).toBe('invalid_calls')
    expect(s.requests).toHaveLength(2)
  })

  it('a tool that runs and fails is no invalid call: the model may go on', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'calculator', args: '{"expression":"1/0"}' }] }, { calls: [{ name: 'calculator', args: '{"expression":"x"}' }] }, { text: 'Undefined.' })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.outcome).toBe('answered')
  })

  it.each(['<short reasoning>', 'a tool name', '...'])('a step whose thought is the placeholder %j is malformed', async (thought) => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: step('calculator', { expression: '6*7' }, thought) }, { text: final('It is 42.') })
    const turn = await runAgentTurn(USER, { service: s, tools: tools() })
    expect(turn.steps[0]).toMatchObject({ kind: 'observation', name: 'invalid_step', content: expect.stringMatching(/copied from the instructions/) })
    expect(turn.steps.some(x => x.kind === 'tool_call')).toBe(false)
    expect(turn.answer).toBe('It is 42.')
  })

  it('a streamed answer that is a placeholder is withdrawn through onAnswerReset', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: final('<answer for the user>') }, { text: final('It is 42.') })
    let shown = ''
    const turn = await runAgentTurn(USER, { service: s, tools: tools(), onDelta: (d) => { shown += d }, onAnswerReset: () => { shown = '' } })
    expect(turn.answer).toBe('It is 42.')
    expect(shown).toBe('It is 42.')
  })

  it('the step limit stops a model that calls tools forever (each call different)', async () => {
    const s = new ScriptedService('gemini')
    let n = 0
    s.fallback = () => ({ calls: [{ name: 'calculator', args: JSON.stringify({ expression: `${n++} + 1` }) }] })
    const turn = await runAgentTurn(USER, { service: s, tools: tools(), stepLimit: 4 })
    expect(turn.outcome).toBe('step_limit')
    expect(s.requests).toHaveLength(4)
    expect(turn.steps.filter(x => x.kind === 'tool_call')).toHaveLength(4)
    expect(turn.answer).toBe('')
  })

  it('the default step limit is 6', async () => {
    const s = new ScriptedService('gemini')
    let n = 0
    s.fallback = () => ({ calls: [{ name: 'calculator', args: JSON.stringify({ expression: `${n++}` }) }] })
    await runAgentTurn(USER, { service: s, tools: tools() })
    expect(s.requests).toHaveLength(6)
  })

  it('a repeated identical call is not run again, and ends the turn when it repeats twice', async () => {
    const runs: unknown[] = []
    const counter: Tool = { name: 'count', description: '', parameters: { type: 'object' }, run: (a) => { runs.push(a); return 'one' } }
    const s = new ScriptedService('gemini')
    s.fallback = () => ({ calls: [{ name: 'count', args: '{"a":1,"b":2}' }] })
    const turn = await runAgentTurn(USER, { service: s, tools: new ToolRegistry([counter], { compile }) })
    expect(turn.outcome).toBe('repeated_call')
    expect(runs).toHaveLength(1)
    expect(s.requests).toHaveLength(3)
    expect(turn.steps.filter(x => x.kind === 'observation').map(x => (x as { content: string }).content)[1]).toMatch(/already called count/)
  })

  it('schema: after a repeated call the next step may only answer (grammar and schema), and the turn is answered', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    s.script.push({ text: step('calculator', { expression: '1234 * 5678' }) }, { text: step('calculator', { expression: '1234 * 5678' }) }, { text: final('1234 * 5678 = 7006652.') })
    const turn = await runAgentTurn([{ role: 'user', content: 'What is 1234 * 5678?' }], { service: s, tools: tools() })
    expect(turn.outcome).toBe('answered')
    expect(turn.answer).toBe('1234 * 5678 = 7006652.')
    expect(s.requests).toHaveLength(3)
    expect(s.requests[1]!.grammar).toMatch(/call-calculator/)
    expect(s.requests[2]!.grammar).toMatch(/^root ::= answer-\d+$/m)
    expect(s.requests[2]!.grammar).not.toMatch(/call-/)
    expect(s.requests[2]!.messages).toHaveLength(1)
    expect(s.requests[2]!.messages[0]!.content).toContain('You already called calculator')
  })

  it('schema: an answer after a repeat that copies the loop\'s note becomes the result it quotes', async () => {
    const s = new ScriptedService('wllama', { hasNativeToolCalls: false, hasSchemaOutput: true })
    const call = step('calculator', { expression: '1234 * 5678' })
    s.script.push({ text: call }, { text: call }, { text: final('You already called calculator with these arguments; the result was: 7006652. Use it and answer.') })
    const turn = await runAgentTurn([{ role: 'user', content: 'What is 1234 * 5678?' }], { service: s, tools: tools() })
    expect(turn).toMatchObject({ outcome: 'answered', answer: '7006652' })
    expect(turn.messages.at(-1)).toEqual({ role: 'assistant', content: '7006652' })
  })

  it('per-tool timeout holds under a model that keeps calling a hanging tool', async () => {
    const hang: Tool = { name: 'hang', description: '', parameters: { type: 'object' }, timeoutMs: 30, run: () => new Promise<string>(() => {}) }
    const s = new ScriptedService('gemini')
    let n = 0
    s.fallback = () => ({ calls: [{ name: 'hang', args: JSON.stringify({ n: n++ }) }] })
    const turn = await runAgentTurn(USER, { service: s, tools: new ToolRegistry([hang], { compile }), stepLimit: 3 })
    expect(turn.outcome).toBe('step_limit')
    expect(turn.steps.filter(x => x.kind === 'observation').every(x => x.kind === 'observation' && x.isError && /within 30 ms/.test(x.content))).toBe(true)
  })

  it('cancel while the model writes stops the turn with outcome aborted', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'calculator', args: '{"expression":"1"}' }] }, { hang: true })
    const controller = new AbortController()
    const turn = runAgentTurn(USER, { service: s, tools: tools(), signal: controller.signal, onStep: (x) => { if (x.kind === 'observation') setTimeout(() => controller.abort(), 10) } })
    const done = await turn
    expect(done.outcome).toBe('aborted')
    expect(s.requests).toHaveLength(2)
  })

  it('cancel during a tool stops before the next model request', async () => {
    const controller = new AbortController()
    const slow: Tool = { name: 'slow', description: '', parameters: { type: 'object' }, run: () => { controller.abort(); return 'late' } }
    const s = new ScriptedService('gemini')
    s.fallback = () => ({ calls: [{ name: 'slow', args: '{}' }] })
    const turn = await runAgentTurn(USER, { service: s, tools: new ToolRegistry([slow], { compile }), signal: controller.signal })
    expect(turn.outcome).toBe('aborted')
    expect(s.requests).toHaveLength(1)
  })

  it('cancel during a tool that ignores its signal does not wait for the tool\'s time limit', async () => {
    const controller = new AbortController()
    const stuck: Tool = { name: 'stuck', description: '', parameters: { type: 'object' }, timeoutMs: 60_000, run: () => new Promise<string>(() => {}) }
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'stuck', args: '{}' }] })
    const turn = runAgentTurn(USER, { service: s, tools: new ToolRegistry([stuck], { compile }), signal: controller.signal, onStep: (x) => { if (x.kind === 'tool_call') setTimeout(() => controller.abort(), 10) } })
    const outcome = await Promise.race([turn.then(t => t.outcome), new Promise(resolve => setTimeout(() => resolve('still waiting'), 5_000))])
    expect(outcome).toBe('aborted')
  })

  it('a side-effect tool asks first; refusing becomes an observation', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'save_note', args: '{"text":"x"}' }] }, { text: 'ok' })
    const asked: string[] = []
    const turn = await runAgentTurn(USER, { service: s, tools: tools(), confirm: async (q) => { asked.push(q.name); return false } })
    expect(asked).toEqual(['save_note'])
    expect(turn.steps[1]).toMatchObject({ kind: 'observation', isError: true, content: expect.stringMatching(/did not allow/) })
  })

  it('a service failure is thrown (so the manager can fall back), not swallowed', async () => {
    const s = new ScriptedService('wllama')
    s.script.push({ error: new AppError('worker_crashed') })
    await expect(runAgentTurn(USER, { service: s, tools: tools() })).rejects.toMatchObject({ code: 'worker_crashed' })
  })
})
