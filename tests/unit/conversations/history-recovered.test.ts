/**
 * A tool loop that never reached its own answer (the small model called search_notes three times) was answered again
 * without tools; its calls must not be replayed to the model, or the next turn learns to repeat them (issue 15).
 */
import { describe, expect, it } from 'vitest'
import { historyFor } from '../../../src/conversations/history'
import type { StoredMessage } from '../../../src/conversations/types'

const base = { conversationId: 'c', status: 'done', createdAt: 0 } as const
const failedLoop = [
  { kind: 'tool_call', callId: 'a', name: 'search_notes', arguments: { query: 'Paris' } },
  { kind: 'observation', callId: 'a', name: 'search_notes', content: 'No notes match.', isError: false },
  { kind: 'tool_call', callId: 'b', name: 'search_notes', arguments: { query: 'Paris' } },
  { kind: 'observation', callId: 'b', name: 'search_notes', content: 'You already called search_notes.', isError: true },
] as const

describe('historyFor and recovered tool loops', () => {
  it('sends a recovered reply as its text alone, and a finished loop with its calls', () => {
    const stored: StoredMessage[] = [
      { ...base, id: '1', seq: 0, role: 'user', content: 'What is the capital of France?' },
      { ...base, id: '2', seq: 1, role: 'assistant', content: 'The capital of France is Paris.', steps: [...failedLoop] },
      { ...base, id: '3', seq: 2, role: 'user', content: 'What is 2*21?' },
      {
        ...base,
        id: '4',
        seq: 3,
        role: 'assistant',
        content: '42',
        steps: [
          { kind: 'tool_call', callId: 'c', name: 'calculator', arguments: { expression: '2*21' } },
          { kind: 'observation', callId: 'c', name: 'calculator', content: '42', isError: false },
          { kind: 'answer', text: '42' },
        ],
      },
    ]
    const history = historyFor(stored)
    expect(history.map(m => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant'])
    expect(JSON.stringify(history)).not.toContain('search_notes')
    expect(history[1]).toEqual({ role: 'assistant', content: 'The capital of France is Paris.' })
    expect(history[4]).toMatchObject({ role: 'tool', name: 'calculator', content: '42' })
  })
})
