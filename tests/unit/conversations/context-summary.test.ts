/**
 * A summary a turn wrote (the "summarise older turns" choice) is kept with the conversation on its reply and stands
 * for every message up to its `through` from then on: later requests send the summary and only the messages after.
 */
import { describe, expect, it } from 'vitest'
import { historyFor, historyForRequest, summaryThrough } from '../../../src/conversations/history'
import type { StoredMessage } from '../../../src/conversations/types'

let seq = 0
const msg = (id: string, role: StoredMessage['role'], content: string, extra: Partial<StoredMessage> = {}): StoredMessage =>
  ({ id, conversationId: 'c', seq: seq++, role, content, status: 'done', createdAt: 0, ...extra })

describe('a conversation\'s summary', () => {
  const chat = [
    msg('u1', 'user', 'first'),
    msg('a1', 'assistant', 'one'),
    msg('u2', 'user', 'second'),
    msg('a2', 'assistant', 'two'),
    msg('u3', 'user', 'third'),
    msg('a3', 'assistant', 'three', { contextSummary: { text: 'They said first and one.', through: 'a1' } }),
    msg('u4', 'user', 'fourth'),
  ]

  it('replaces the messages it covers; the rest follow the system prompt', () => {
    const h = historyForRequest(chat, 'Be brief.')
    expect(h.summary).toBe('They said first and one.')
    expect(h.messages.map(m => m.content)).toEqual(['Be brief.', 'second', 'two', 'third', 'three', 'fourth'])
    expect(h.sources).toEqual(['', 'u2', 'a2', 'u3', 'a3', 'u4'])
    // Callers without summaries see the same messages.
    expect(historyFor(chat, 'Be brief.')).toEqual(h.messages)
  })

  it('maps a turn\'s replaced count to the last stored message it covers', () => {
    const h = historyForRequest(chat.slice(0, 5), 'Be brief.')
    expect(summaryThrough(h, 2)).toBe('a1')
    expect(summaryThrough(h, 4)).toBe('a2')
    expect(summaryThrough(h, 0)).toBeUndefined()
  })

  it('a summary whose messages were deleted (edited away) is ignored', () => {
    const h = historyForRequest([msg('u9', 'user', 'q'), msg('a9', 'assistant', 'r', { contextSummary: { text: 'gone', through: 'nope' } })])
    expect(h.summary).toBeUndefined()
    expect(h.messages).toHaveLength(2)
  })
})
