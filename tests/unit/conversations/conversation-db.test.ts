/** The conversation database on fake-indexeddb (a full IndexedDB implementation in Node). */
import { IDBFactory } from 'fake-indexeddb'
import { beforeEach, describe, expect, it } from 'vitest'
import { CONVERSATION_DB_VERSION, openConversationDb, type ConversationDb } from '../../../src/conversations/conversation-db'
import type { Conversation, StoredMessage } from '../../../src/conversations/types'

let db: ConversationDb

function conversation(id: string, title: string, updatedAt: number): Conversation {
  return { id, title, createdAt: updatedAt, updatedAt }
}

function message(id: string, conversationId: string, seq: number, content: string, status: StoredMessage['status'] = 'done'): StoredMessage {
  return { id, conversationId, seq, role: seq % 2 ? 'assistant' : 'user', content, status, createdAt: 1 }
}

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory()
  db = await openConversationDb()
})

describe('ConversationDb', () => {
  it('lists conversations newest first and a message moves its conversation to the top', async () => {
    await db.putConversation(conversation('a', 'First', 100))
    await db.putConversation(conversation('b', 'Second', 200))
    expect((await db.listConversations()).map(c => c.id)).toEqual(['b', 'a'])

    await db.putMessage(message('m1', 'a', 0, 'hello'), 300)

    expect((await db.listConversations()).map(c => [c.id, c.updatedAt])).toEqual([['a', 300], ['b', 200]])
  })

  it('returns a conversation\'s messages in order, and only its own', async () => {
    await db.putConversation(conversation('a', 'A', 1))
    await db.putConversation(conversation('b', 'B', 1))
    // Keys in the opposite order of the messages: the order comes from seq, which the write assigns (two-tabs.test.ts).
    await db.putMessage(message('z1', 'a', 0, 'first'))
    await db.putMessage(message('a2', 'a', 1, 'second'))
    await db.putMessage(message('x', 'b', 0, 'other'))

    expect((await db.listMessages('a')).map(m => m.content)).toEqual(['first', 'second'])
  })

  it('deletes a conversation together with its messages, leaving the others', async () => {
    await db.putConversation(conversation('a', 'A', 1))
    await db.putConversation(conversation('b', 'B', 1))
    await db.putMessage(message('m1', 'a', 0, 'gone'))
    await db.putMessage(message('x', 'b', 0, 'kept'))

    await db.deleteConversation('a')

    expect((await db.listConversations()).map(c => c.id)).toEqual(['b'])
    expect(await db.listMessages('a')).toEqual([])
    expect((await db.listMessages('b')).map(m => m.content)).toEqual(['kept'])
  })

  it('marks replies left streaming as interrupted, keeping their text', async () => {
    await db.putConversation(conversation('a', 'A', 1))
    await db.putMessage(message('q', 'a', 0, 'Tell me'))
    await db.putMessage(message('r', 'a', 1, 'Once upon', 'streaming'))

    expect(await db.markInterrupted()).toBe(1)

    expect((await db.listMessages('a')).map(m => [m.content, m.status])).toEqual([['Tell me', 'done'], ['Once upon', 'interrupted']])
    expect(await db.markInterrupted()).toBe(0)
  })

  it('finds conversations by title or by message text, case-insensitively', async () => {
    await db.putConversation(conversation('a', 'Dragons', 1))
    await db.putConversation(conversation('b', 'Cooking', 2))
    await db.putConversation(conversation('c', 'Other', 3))
    await db.putMessage(message('m', 'b', 0, 'How long do I boil a DRAGON egg?'), 2)

    expect((await db.search('dragon')).map(c => c.id)).toEqual(['b', 'a'])
    expect((await db.search('cook')).map(c => c.id)).toEqual(['b'])
    expect(await db.search('nothing like this')).toEqual([])
    expect((await db.search('  ')).map(c => c.id)).toEqual(['c', 'b', 'a'])
  })

  it('adds imported conversations all or nothing', async () => {
    await db.putConversation(conversation('a', 'Existing', 1))
    const clash = { ...conversation('n', 'New', 2), messages: [message('m', 'n', 0, 'x'), message('m', 'n', 1, 'same id')] }

    await expect(db.addAll([clash])).rejects.toThrow()

    expect((await db.listConversations()).map(c => c.id)).toEqual(['a'])
    expect(await db.listMessages('n')).toEqual([])
  })
})

describe('ConversationDb.putMessage', () => {
  it('does not write a message whose conversation was deleted (a reply still streaming into it)', async () => {
    await db.putConversation(conversation('a', 'A', 1))
    await db.putMessage(message('m1', 'a', 0, 'kept'))
    await db.deleteConversation('a')

    await db.putMessage(message('m2', 'a', 1, 'late chunk', 'streaming'))

    expect(await db.listMessages('a')).toEqual([])
    expect(await db.markInterrupted()).toBe(0)
  })
})

describe('openConversationDb', () => {
  it('closes its connection when another tab upgrades the database, so the upgrade is not blocked', async () => {
    await db.putConversation(conversation('a', 'Kept', 1))
    const upgrade = indexedDB.open('local-ai-conversations', CONVERSATION_DB_VERSION + 1)
    let wasBlocked = false
    upgrade.onblocked = () => { wasBlocked = true }
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      upgrade.onsuccess = () => resolve(upgrade.result)
      upgrade.onerror = () => reject(upgrade.error)
    })
    expect(wasBlocked).toBe(false)
    expect(upgraded.version).toBe(CONVERSATION_DB_VERSION + 1)
    const all = await new Promise<unknown[]>((resolve) => {
      const req = upgraded.transaction('conversations').objectStore('conversations').getAll()
      req.onsuccess = () => resolve(req.result)
    })
    expect(all).toEqual([conversation('a', 'Kept', 1)])
    upgraded.close()
  })

  it('reports conversations_unavailable when the browser has no IndexedDB', async () => {
    const saved = globalThis.indexedDB
    // @ts-expect-error simulating a browser without IndexedDB
    delete globalThis.indexedDB
    try {
      await expect(openConversationDb()).rejects.toMatchObject({ code: 'conversations_unavailable' })
    }
    finally {
      globalThis.indexedDB = saved
    }
  })
})
