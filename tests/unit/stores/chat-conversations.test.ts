/**
 * The conversations store on fake-indexeddb: rename, delete, search, and import that either adds everything or,
 * for a bad file, sets import_invalid and changes nothing.
 */
import { IDBFactory } from 'fake-indexeddb'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { toExportJson } from '../../../src/conversations/export-import'
import { UNTITLED, titleFrom, useConversationsStore } from '../../../src/stores/conversations'

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
  setActivePinia(createPinia())
})

async function withTwo() {
  const store = useConversationsStore()
  await store.init()
  const first = await store.create('Dragons')
  const second = await store.create('Cooking')
  return { store, first, second }
}

describe('conversations store', () => {
  it('titles a conversation by the first line of its first message, shortened', () => {
    expect(titleFrom('  Tell me a story\nabout cats')).toBe('Tell me a story')
    expect(titleFrom('x'.repeat(100))).toBe(`${'x'.repeat(59)}…`)
    expect(titleFrom('   ')).toBe(UNTITLED)
  })

  it('creates, renames and deletes, opening the next conversation when the open one goes', async () => {
    const { store, first, second } = await withTwo()
    expect(store.currentId).toBe(second.id)

    await store.rename(first.id, '  Big dragons ')
    await store.rename(first.id, '   ') // ignored
    expect(store.list.find(c => c.id === first.id)?.title).toBe('Big dragons')

    await store.remove(second.id)
    expect(store.list.map(c => c.title)).toEqual(['Big dragons'])
    expect(store.currentId).toBe(first.id)
    await store.remove(first.id)
    expect(store.currentId).toBeNull()
    expect(store.error).toBeNull()
  })

  it('search narrows the list while there is text, and clears with it', async () => {
    const { store } = await withTwo()
    await store.search('DRAG')
    expect(store.results?.map(c => c.title)).toEqual(['Dragons'])
    await store.search('')
    expect(store.results).toBeNull()
  })

  it('imports a valid export as new conversations and opens the first; the same file again adds nothing', async () => {
    const { store, first } = await withTwo()
    const json = toExportJson([{ ...first, id: 'elsewhere', createdAt: first.createdAt - 86_400_000, messages: [] }])

    expect(await store.importJson(json)).toBe(1)

    expect(store.list.map(c => c.title).sort()).toEqual(['Cooking', 'Dragons', 'Dragons'])
    expect(store.currentId).not.toBe(first.id)
    expect(store.list.some(c => c.id === store.currentId)).toBe(true)
    expect(store.lastImport).toEqual({ added: 1, skipped: 0 })

    expect(await store.importJson(json)).toBe(0)
    expect(store.lastImport).toEqual({ added: 0, skipped: 1 })
    expect(store.list).toHaveLength(3)
    // A conversation exported from here is already here: nothing to add either.
    expect(await store.importJson(toExportJson([{ ...first, messages: [] }]))).toBe(0)
    expect(store.list).toHaveLength(3)
  })

  it('refuses a bad import with import_invalid and changes nothing', async () => {
    const { store, second } = await withTwo()
    const before = JSON.stringify(store.list)
    const bad = JSON.parse(toExportJson([{ ...second, messages: [] }])) as { conversations: Array<Record<string, unknown>> }
    bad.conversations.push({ id: 'x', title: 7 })

    expect(await store.importJson(JSON.stringify(bad))).toBe(0)

    expect(store.error?.code).toBe('import_invalid')
    expect(store.error?.message).toMatch(/conversation 2 /)
    expect(JSON.stringify(store.list)).toBe(before)
    expect(store.currentId).toBe(second.id)
    await store.refresh()
    expect(JSON.stringify(store.list)).toBe(before)
  })
  it('an export leaves out conversations with no message (New chat with nothing sent)', async () => {
    const { store, first } = await withTwo()
    const message = { id: 'm1', conversationId: 'kept', seq: 1, parentId: null, role: 'user' as const, content: 'hello', status: 'done' as const, createdAt: first.createdAt }
    expect(await store.importJson(toExportJson([{ ...first, id: 'kept', title: 'Kept', messages: [message] }]))).toBe(1)
    const exported = JSON.parse(await store.exportJson() ?? '{}') as { conversations: Array<{ title: string, messages: unknown[] }> }
    expect(exported.conversations.map(c => [c.title, c.messages.length])).toEqual([['Kept', 1]])
  })
  it('a refused import\'s error goes when another conversation opens', async () => {
    const { store, first } = await withTwo()
    expect(await store.importJson('{"hello":1}')).toBe(0)
    expect(store.error?.code).toBe('import_invalid')
    store.currentId = first.id
    await nextTick()
    expect(store.error).toBeNull()
  })
})
