/** Export and import: what is written reads back; anything else is refused with import_invalid. */
import { describe, expect, it } from 'vitest'
import { parseExport, toExportJson } from '../../../src/conversations/export-import'
import type { ConversationWithMessages } from '../../../src/conversations/types'
import { AppError } from '../../../src/shared/errors'

const sample: ConversationWithMessages = {
  id: 'c1',
  title: 'Stories',
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_001_000,
  messages: [
    { id: 'm1', conversationId: 'c1', seq: 0, role: 'user', content: 'Once upon a time', status: 'done', createdAt: 1_700_000_000_000 },
    {
      id: 'm2',
      conversationId: 'c1',
      seq: 1,
      role: 'assistant',
      content: 'there was',
      status: 'streaming',
      createdAt: 1_700_000_000_500,
      backend: 'wllama',
      model: 'stories260K.gguf',
      steps: [
        { kind: 'tool_call', callId: '1', name: 'calculator', arguments: { expression: '1+1' } },
        { kind: 'observation', callId: '1', name: 'calculator', content: '2', isError: false },
      ],
    },
  ],
}

function refusal(json: string): AppError {
  try {
    parseExport(json)
  }
  catch (err) {
    return err as AppError
  }
  throw new Error('the import was accepted')
}

describe('conversation export and import', () => {
  it('reads back what it wrote, with fresh ids and a streaming reply marked interrupted', () => {
    const [imported] = parseExport(toExportJson([sample]))

    expect(imported?.id).not.toBe('c1')
    expect(imported?.title).toBe('Stories')
    expect(imported?.messages.map(m => [m.role, m.content, m.status])).toEqual([
      ['user', 'Once upon a time', 'done'],
      ['assistant', 'there was', 'interrupted'],
    ])
    expect(imported?.messages.every(m => m.conversationId === imported.id)).toBe(true)
    expect(imported?.messages.map(m => m.seq)).toEqual([0, 1])
    expect(imported?.messages[1]?.steps).toEqual(sample.messages[1]?.steps)
  })

  type Row = Record<string, unknown>
  type Editable = Row & { conversations: Array<Row & { messages: Array<Row & { steps: Row[] }> }> }
  const valid = () => JSON.parse(toExportJson([sample])) as Editable

  it.each([
    ['not JSON', '{"format": ', /is not JSON/],
    ['another format', JSON.stringify({ ...valid(), format: 'something-else' }), /it was not made with Export in this app/],
    ['a newer version', JSON.stringify({ ...valid(), version: 3 }), /written by a newer version of this app/],
    ['a missing list', JSON.stringify({ format: 'local-ai-conversations', version: 1, exportedAt: 'x' }), /lacks its "conversations" list/],
    ['a bad role', JSON.stringify((() => { const v = valid(); v.conversations[0]!.messages[0]!.role = 'root'; return v })()), /conversation 1, message 1 has a value this app does not write/],
    ['a number as content', JSON.stringify((() => { const v = valid(); v.conversations[0]!.messages[0]!.content = 5; return v })()), /conversation 1, message 1 has a value of the wrong kind/],
    ['an unknown field', JSON.stringify((() => { const v = valid(); v.conversations[0]!.extra = '<script>'; return v })()), /conversation 1 has a field this app does not write \("extra"\)/],
    ['an unknown step kind', JSON.stringify((() => { const v = valid(); v.conversations[0]!.messages[1]!.steps[0]!.kind = 'exec'; return v })()), /conversation 1, message 2 /],
  ])('refuses %s with import_invalid naming the problem in plain words', (_name, json, where) => {
    const err = refusal(json)
    expect(err).toBeInstanceOf(AppError)
    expect(err.code).toBe('import_invalid')
    expect(err.message).toMatch(where)
    // Never the validator's own words or paths (issue 16: "must have required property 'format'").
    expect(err.message).not.toMatch(/must |property '|\/conversations\/|instancePath/)
  })

  it('names the refused file', () => {
    expect(() => parseExport('{}', Date.now(), 'notes.json')).toThrow(expect.objectContaining({ message: expect.stringMatching(/^"notes\.json": it was not made with Export in this app\./) }))
  })
})
