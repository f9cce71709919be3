/** Issue 18 item 11: a reply with 200 tool calls ran all 200. A step runs at most a few; the rest are refused. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_CALLS_PER_STEP, runAgentTurn } from '../../../src/agent/react-loop'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { ScriptedService } from './scripted-service'

describe('tool calls per step', () => {
  it('of 200 calls in one reply, the first DEFAULT_MAX_CALLS_PER_STEP run and the rest are refused in one observation', async () => {
    const s = new ScriptedService('gemini')
    const calls = Array.from({ length: 200 }, (_, i) => ({ name: 'calculator', args: JSON.stringify({ expression: `${i}+1` }) }))
    s.script.push({ calls }, { text: 'Done.' })
    const turn = await runAgentTurn([{ role: 'user', content: 'Add one to every number up to 199.' }], { service: s, tools: new ToolRegistry(builtinTools(), { enabled: ['calculator'] }) })
    const ran = turn.steps.filter(x => x.kind === 'observation' && x.name === 'calculator')
    expect(ran).toHaveLength(DEFAULT_MAX_CALLS_PER_STEP)
    expect(turn.steps.filter(x => x.kind === 'tool_call')).toHaveLength(DEFAULT_MAX_CALLS_PER_STEP)
    const refused = turn.steps.filter(x => x.kind === 'observation' && x.name === 'too_many_calls')
    expect(refused).toEqual([expect.objectContaining({ isError: true, content: expect.stringContaining(`The other ${200 - DEFAULT_MAX_CALLS_PER_STEP} were refused`) })])
    // The model reads the refusal, and every call it is shown has its result (OpenAI requires one per call id).
    const second = s.requests[1]!.messages
    expect(second.find(m => m.tool_calls)?.tool_calls).toHaveLength(DEFAULT_MAX_CALLS_PER_STEP)
    expect(second.filter(m => m.role === 'tool')).toHaveLength(DEFAULT_MAX_CALLS_PER_STEP)
    expect(second.at(-1)?.content).toContain('were refused')
    expect(turn.outcome).toBe('answered')
  })

  it('the cap is an option', async () => {
    const s = new ScriptedService('gemini')
    s.script.push({ calls: [{ name: 'calculator', args: '{"expression":"1+1"}' }, { name: 'calculator', args: '{"expression":"2+2"}' }] }, { text: 'Done.' })
    const turn = await runAgentTurn([{ role: 'user', content: 'sums' }], { service: s, tools: new ToolRegistry(builtinTools(), { enabled: ['calculator'] }), maxCallsPerStep: 1 })
    expect(turn.steps.filter(x => x.kind === 'observation').map(x => x.kind === 'observation' && x.name)).toEqual(['calculator', 'too_many_calls'])
  })
})

describe('replaying a capped step', () => {
  it('the refusal answers no call, so it is not replayed as a tool message', async () => {
    const { historyFor } = await import('../../../src/conversations/history')
    const history = historyFor([
      { id: '1', conversationId: 'c', seq: 0, role: 'user', content: 'sums', status: 'done', createdAt: 0 },
      {
        id: '2',
        conversationId: 'c',
        seq: 1,
        role: 'assistant',
        content: 'Done.',
        status: 'done',
        createdAt: 0,
        steps: [
          { kind: 'tool_call', callId: 'call_1', name: 'calculator', arguments: { expression: '1+1' } },
          { kind: 'observation', callId: 'call_1', name: 'calculator', content: '2', isError: false },
          { kind: 'observation', callId: 'refused_2', name: 'too_many_calls', content: 'refused', isError: true },
          { kind: 'answer', text: 'Done.' },
        ],
      },
    ])
    expect(history.filter(m => m.role === 'tool').map(m => m.tool_call_id)).toEqual(['call_1'])
  })
})
