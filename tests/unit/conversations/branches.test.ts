/**
 * Versions and branches (issue 16 item 5): Regenerate and edit-and-resend keep what was there. The tree in
 * branches.ts, the version 1 to 2 database upgrade that gives existing messages their parents, the leaf kept in
 * IndexedDB, and export/import carrying both (a version 1 file still reads as one branch).
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { beforeEach, describe, expect, it } from 'vitest'
import { activePath, newestLeaf, versionMap, withParents } from '../../../src/conversations/branches'
import { CONVERSATION_DB_NAME, openConversationDb } from '../../../src/conversations/conversation-db'
import { parseExport, toExportJson } from '../../../src/conversations/export-import'
import type { ConversationWithMessages, StoredMessage } from '../../../src/conversations/types'

function msg(id: string, seq: number, parentId: string | null | undefined, role: StoredMessage['role'] = seq % 2 ? 'assistant' : 'user'): StoredMessage {
  return { id, conversationId: 'c', seq, role, content: id, status: 'done', createdAt: 1_000 + seq, ...(parentId !== undefined && { parentId }) }
}

// q1 -> a1 (first reply), a2 (regenerated); a2 -> q2 -> a3; q1' (an edit of q1) -> a4
const tree = [msg('q1', 0, null), msg('a1', 1, 'q1'), msg('a2', 2, 'q1'), msg('q2', 3, 'a2', 'user'), msg('a3', 4, 'q2', 'assistant'), msg('q1b', 5, null, 'user'), msg('a4', 6, 'q1b', 'assistant')]
const ids = (path: StoredMessage[]) => path.map(m => m.id)

describe('branches', () => {
  it('shows the branch that ends at the leaf, and without one the newest branch', () => {
    expect(ids(activePath(tree, 'a3'))).toEqual(['q1', 'a2', 'q2', 'a3'])
    expect(ids(activePath(tree, 'a1'))).toEqual(['q1', 'a1'])
    expect(ids(activePath(tree, undefined))).toEqual(['q1b', 'a4'])
    expect(ids(activePath(tree, 'gone'))).toEqual(['q1b', 'a4'])
    expect(activePath([], 'x')).toEqual([])
  })

  it('numbers each message among its versions, oldest first', () => {
    const v = versionMap(tree)
    expect(v.get('a1')).toMatchObject({ index: 0, count: 2 })
    expect(v.get('a2')).toMatchObject({ index: 1, count: 2 })
    expect(v.get('q1b')).toMatchObject({ index: 1, count: 2, ids: ['q1', 'q1b'] })
    expect(v.get('q2')).toMatchObject({ index: 0, count: 1 })
  })

  it('goes from a version to the newest end of what follows it', () => {
    expect(newestLeaf(tree, 'q1')).toBe('a3')
    expect(newestLeaf(tree, 'a1')).toBe('a1')
  })

  it('reads messages written before branches (no parentId) as one branch in seq order', () => {
    const legacy = [msg('x2', 2, undefined), msg('x0', 0, undefined), msg('x1', 1, undefined)]
    expect(ids(activePath(legacy, undefined))).toEqual(['x0', 'x1', 'x2'])
    expect(withParents(legacy).map(m => [m.id, m.parentId])).toEqual([['x2', 'x1'], ['x0', null], ['x1', 'x0']])
  })
})

describe('the conversation database, version 2', () => {
  beforeEach(() => {
    globalThis.indexedDB = new IDBFactory()
  })

  it('upgrades a version 1 database: every conversation becomes one branch, nothing lost', async () => {
    // A version 1 database as the previous release wrote it.
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(CONVERSATION_DB_NAME, 1)
      open.onupgradeneeded = () => {
        const db = open.result
        db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt')
        const messages = db.createObjectStore('messages', { keyPath: 'id' })
        messages.createIndex('conversationId', 'conversationId')
        messages.createIndex('status', 'status')
        open.transaction!.objectStore('conversations').put({ id: 'c', title: 'Old', createdAt: 1, updatedAt: 2 })
        for (const m of [msg('b', 1, undefined), msg('a', 0, undefined), msg('c', 2, undefined)])
          open.transaction!.objectStore('messages').put(m)
      }
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    v1.close()

    const db = await openConversationDb()
    const messages = await db.listMessages('c')
    expect(messages.map(m => [m.id, m.parentId, m.content])).toEqual([['a', null, 'a'], ['b', 'a', 'b'], ['c', 'b', 'c']])
    expect((await db.listConversations()).map(c => c.title)).toEqual(['Old'])
    db.close()
  })

  it('a new message ends the branch on screen; setLeaf shows another without moving the conversation', async () => {
    const db = await openConversationDb()
    await db.putConversation({ id: 'c', title: 'T', createdAt: 1, updatedAt: 1 })
    await db.putMessage(msg('q1', 0, null), 10)
    await db.putMessage(msg('a1', 1, 'q1'), 20)
    expect((await db.getConversation('c'))?.leafId).toBe('a1')
    await db.putMessage({ ...msg('a1', 1, 'q1'), content: 'grown' }, 30)
    await db.putMessage(msg('a2', 2, 'q1'), 40)
    expect((await db.getConversation('c'))?.leafId).toBe('a2')

    await db.setLeaf('c', 'a1')
    expect(await db.getConversation('c')).toMatchObject({ leafId: 'a1', updatedAt: 40 })
    db.close()
  })
})

describe('export and import of versions', () => {
  const conversation: ConversationWithMessages = { id: 'c', title: 'T', createdAt: 1, updatedAt: 2, leafId: 'a1', messages: tree }

  it('keeps the tree and the branch on screen, under fresh ids', () => {
    const [back] = parseExport(toExportJson([conversation]))
    const byOld = new Map(tree.map((m, i) => [m.id, back!.messages[i]!]))
    expect(back!.messages.every(m => !tree.some(t => t.id === m.id))).toBe(true)
    for (const m of tree)
      expect(byOld.get(m.id)!.parentId).toBe(m.parentId === null ? null : byOld.get(m.parentId!)!.id)
    expect(back!.leafId).toBe(byOld.get('a1')!.id)
    expect(activePath(back!.messages, back!.leafId).map(m => m.content)).toEqual(['q1', 'a1'])
  })

  it('reads a version 1 file (no parents, no leaf) as one branch', () => {
    const file = JSON.parse(toExportJson([{ ...conversation, leafId: undefined, messages: [msg('a', 0, undefined), msg('b', 1, undefined)] }])) as { version: number }
    file.version = 1
    const [back] = parseExport(JSON.stringify(file))
    expect(back!.messages[0]!.parentId).toBeNull()
    expect(back!.messages[1]!.parentId).toBe(back!.messages[0]!.id)
    expect(back!.leafId).toBeUndefined()
  })
})
