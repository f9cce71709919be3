/**
 * Issue 17 item 8: a 10 KB file nested 5,000 deep passed the schema (tool arguments may hold any JSON) and then
 * failed as "cannot be saved in this browser". Size and nesting are checked first, on the file and on its text, and
 * a file out of bounds is an invalid file: import_invalid naming the bound, nothing parsed further, nothing stored.
 */
import { IDBFactory } from 'fake-indexeddb'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ConversationDb } from '../../../src/conversations/conversation-db'
import { MAX_IMPORT_BYTES, MAX_IMPORT_DEPTH, nestingDepth, parseExport } from '../../../src/conversations/export-import'
import { useConversationsStore } from '../../../src/stores/conversations'

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
  setActivePinia(createPinia())
})

const now = 1_700_000_000_000

/** An export whose one tool call carries `args`, written as raw JSON text. */
function fileWithArguments(args: string, content = 'hello'): string {
  return `{"format":"local-ai-conversations","version":1,"exportedAt":"2026-01-01T00:00:00.000Z","conversations":[`
    + `{"id":"c","title":"Deep","createdAt":${now},"updatedAt":${now},"messages":[`
    + `{"id":"q","role":"user","content":${JSON.stringify(content)},"status":"done","createdAt":${now}},`
    + `{"id":"a","role":"assistant","content":"ok","status":"done","createdAt":${now},"steps":[`
    + `{"kind":"tool_call","callId":"1","name":"calculator","arguments":${args}}]}]}]}`
}

const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`

async function storedCount(store: ReturnType<typeof useConversationsStore>): Promise<number> {
  return (await (await store.db()).exportAll()).length
}

describe('import bounds', () => {
  it('counts nesting on the text in one pass, ignoring brackets inside strings and escaped quotes', () => {
    expect(nestingDepth('{"a":[1,{"b":2}]}')).toBe(3)
    expect(nestingDepth('{"a":"[[[[{{{{\\"[[["}')).toBe(1)
    expect(nestingDepth(nested(5_000), 40)).toBe(41) // stops once past the limit
  })

  it.each([
    ['arrays', nested(5_000)],
    ['objects', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
    ['just past the bound', nested(MAX_IMPORT_DEPTH)],
  ])('refuses a file nesting %s too deep, before parsing it, as an invalid file', (_what, args) => {
    const json = fileWithArguments(args)
    const parse = vi.spyOn(JSON, 'parse')
    expect(() => parseExport(json)).toThrow(expect.objectContaining({ code: 'import_invalid', message: expect.stringMatching(/levels deep/) }))
    expect(parse).not.toHaveBeenCalled()
    parse.mockRestore()
  })

  it('accepts tool arguments nested as deep as the bound allows, and brackets in text', () => {
    const [c] = parseExport(fileWithArguments(nested(MAX_IMPORT_DEPTH - 8), '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['))
    expect(c?.messages).toHaveLength(2)
  })

  it('the store refuses a 10 KB file nested 5,000 deep with import_invalid and stores nothing', async () => {
    const store = useConversationsStore()
    await store.init()
    const json = fileWithArguments(nested(5_000))
    expect(json.length).toBeLessThan(11_000)

    expect(await store.importFile(new Blob([json]))).toBe(0)

    expect(store.error?.code).toBe('import_invalid')
    expect(store.error?.message).toMatch(/more than 32 levels deep/)
    expect(store.list).toEqual([])
    expect(await storedCount(store)).toBe(0)
  })

  it('the store refuses a file over the size bound without reading it', async () => {
    const store = useConversationsStore()
    await store.init()
    const text = vi.fn(async () => '')
    const huge = { size: MAX_IMPORT_BYTES + 1, text } as unknown as Blob

    expect(await store.importFile(huge)).toBe(0)

    expect(text).not.toHaveBeenCalled()
    expect(store.error?.code).toBe('import_invalid')
    expect(store.error?.message).toMatch(/MiB/)
    expect(await storedCount(store)).toBe(0)
    // The same bound holds for text handed over directly.
    expect(() => parseExport(' '.repeat(MAX_IMPORT_BYTES + 1))).toThrow(expect.objectContaining({ code: 'import_invalid' }))
  })

  it('a value the browser cannot store is an invalid file, not an unusable browser, and nothing is stored', async () => {
    const store = useConversationsStore()
    await store.init()
    vi.spyOn(ConversationDb.prototype, 'addAll').mockRejectedValueOnce(new DOMException('could not be cloned', 'DataCloneError'))

    expect(await store.importFile(new Blob([fileWithArguments('{"x":1}')]))).toBe(0)

    expect(store.error?.code).toBe('import_invalid')
    expect(await storedCount(store)).toBe(0)
    vi.restoreAllMocks()
    // A good file still imports.
    expect(await store.importFile(new Blob([fileWithArguments('{"x":1}')]))).toBe(1)
    expect(store.error).toBeNull()
  })
})
