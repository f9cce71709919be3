/** A reply's notice, finish reason and reasoning survive export and import; malformed ones are refused. */
import { describe, expect, it } from 'vitest'
import { parseExport, toExportJson } from '../../../src/conversations/export-import'
import type { ConversationWithMessages } from '../../../src/conversations/types'

const reply = {
  id: 'm2', conversationId: 'c1', seq: 1, role: 'assistant' as const, content: 'So far', status: 'done' as const, createdAt: 2,
  finishReason: 'length' as const,
  notice: { code: 'length' as const, message: 'The answer reached the length limit (MAX_TOKENS).', nextStep: 'Raise "Longest answer" in Settings.' },
  reasoning: 'Thinking first.',
}
const conversation: ConversationWithMessages = { id: 'c1', title: 't', createdAt: 1, updatedAt: 2, messages: [reply] }

describe('reply notice, finish reason and reasoning in exports', () => {
  it('round-trips', () => {
    const [back] = parseExport(toExportJson([conversation]))
    expect(back!.messages[0]).toMatchObject({ finishReason: 'length', notice: reply.notice, reasoning: 'Thinking first.' })
  })

  it('refuses an unknown notice code or finish reason', () => {
    for (const bad of [{ ...reply, notice: { ...reply.notice, code: 'nope' } }, { ...reply, finishReason: 'MAX_TOKENS' }]) {
      const json = toExportJson([{ ...conversation, messages: [bad as never] }])
      expect(() => parseExport(json)).toThrow(expect.objectContaining({ code: 'import_invalid' }))
    }
  })
})
