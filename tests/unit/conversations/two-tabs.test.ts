/**
 * Issue 17 item 5: two tabs, one conversation. Both tabs wrote seq 2 and 3, so after a reload the order was mixed;
 * neither knew of the other's messages; a conversation deleted in tab A kept chatting in tab B and was lost on reload.
 * Now seq is assigned inside the write transaction, every change is announced on a BroadcastChannel (Node has one),
 * and writing to a conversation deleted elsewhere offers to keep the messages as a new conversation.
 * Two "tabs" are two database connections (and two Pinias) over one fake-indexeddb.
 */
import { IDBFactory } from 'fake-indexeddb'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { openConversationDb, type ConversationChange, type ConversationDb } from '../../../src/conversations/conversation-db'
import type { StoredMessage } from '../../../src/conversations/types'
import { useConversationsStore } from '../../../src/stores/conversations'

const open: ConversationDb[] = []
async function tab(): Promise<ConversationDb> {
  const d = await openConversationDb()
  open.push(d)
  return d
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
})
afterEach(() => {
  for (const d of open.splice(0))
    d.close()
})

const msg = (id: string, conversationId: string, seq: number, content: string): StoredMessage =>
  ({ id, conversationId, seq, role: seq % 2 ? 'assistant' : 'user', content, status: 'done', createdAt: 1 })

describe('two tabs on one conversation database', () => {
  it('give each new message its own position, whatever seq each tab thought was next', async () => {
    const a = await tab()
    const b = await tab()
    await a.putConversation({ id: 'c', title: 'Shared', createdAt: 1, updatedAt: 1 })
    await a.putMessage(msg('q0', 'c', 0, 'first question'))
    await a.putMessage(msg('r1', 'c', 1, 'first answer'))
    // Both tabs saw two messages, so both think the next is seq 2, and write at once.
    await Promise.all([
      a.putMessage(msg('qa', 'c', 2, 'A asks')),
      b.putMessage(msg('qb', 'c', 2, 'B asks')),
    ])
    await Promise.all([
      a.putMessage(msg('ra', 'c', 3, 'A is answered')),
      b.putMessage(msg('rb', 'c', 3, 'B is answered')),
    ])
    const seqs = (await a.listMessages('c')).map(m => m.seq)
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5])
    expect(new Set(seqs).size).toBe(6)
  })

  it('keep a growing reply in its place when it is written again', async () => {
    const a = await tab()
    const b = await tab()
    await a.putConversation({ id: 'c', title: 'Shared', createdAt: 1, updatedAt: 1 })
    await a.putMessage(msg('q', 'c', 0, 'question'))
    await a.putMessage({ ...msg('r', 'c', 1, 'Once'), status: 'streaming' })
    await b.putMessage(msg('other', 'c', 1, 'from B'))
    await a.putMessage({ ...msg('r', 'c', 1, 'Once upon a time'), status: 'done' })
    expect((await b.listMessages('c')).map(m => [m.id, m.seq, m.content])).toEqual([
      ['q', 0, 'question'], ['r', 1, 'Once upon a time'], ['other', 2, 'from B'],
    ])
  })

  it('tell the other tab what changed, and not the tab that changed it', async () => {
    const a = await tab()
    const b = await tab()
    const seenByA: ConversationChange[] = []
    const seenByB: ConversationChange[] = []
    a.onChange(c => void seenByA.push(c))
    b.onChange(c => void seenByB.push(c))
    await a.putConversation({ id: 'c', title: 'Shared', createdAt: 1, updatedAt: 1 })
    await a.putMessage(msg('q', 'c', 0, 'hi'))
    await a.deleteMessages(['q'])
    await a.deleteConversation('c')
    await vi.waitFor(() => expect(seenByB).toHaveLength(4))
    expect(seenByB).toEqual([
      { type: 'list' },
      { type: 'messages', conversationId: 'c' },
      { type: 'messages', conversationId: 'c' },
      { type: 'deleted', conversationId: 'c' },
    ])
    expect(seenByA).toEqual([])
  })

  it('write nothing to a conversation deleted elsewhere, and say so', async () => {
    const a = await tab()
    const b = await tab()
    await a.putConversation({ id: 'c', title: 'Shared', createdAt: 1, updatedAt: 1 })
    await a.deleteConversation('c')
    expect(await b.putMessage(msg('late', 'c', 0, 'still typing'))).toBeUndefined()
    expect(await b.exportAll()).toEqual([])
  })
})

describe('the conversations store in two tabs', () => {
  async function storeTab() {
    const pinia = createPinia()
    setActivePinia(pinia)
    const store = useConversationsStore()
    await store.init()
    return { store, use: () => setActivePinia(pinia) }
  }

  it('refreshes its list and flags the open conversation when another tab writes to it', async () => {
    const a = await storeTab()
    const c = await a.store.create('Shared')
    const b = await storeTab()
    await b.store.refresh()
    b.store.currentId = c.id
    a.use()
    await a.store.putMessage(msg('q', c.id, 0, 'from A'))
    await vi.waitFor(() => expect(b.store.changedElsewhere).toMatchObject({ conversationId: c.id, n: 1 }))
    await a.store.create('Another')
    await vi.waitFor(() => expect(b.store.list.map(x => x.title).sort()).toEqual(['Another', 'Shared']))
  })

  it('offers to keep the messages of a conversation deleted in another tab as a new one, and keeps them', async () => {
    const a = await storeTab()
    const c = await a.store.create('Dragons')
    await a.store.putMessage(msg('q', c.id, 0, 'Tell me about dragons'))
    const b = await storeTab()
    expect(b.store.currentId).toBe(c.id)
    const onScreen = [msg('q', c.id, 0, 'Tell me about dragons'), msg('r', c.id, 1, 'They fly.')]

    a.use()
    await a.store.remove(c.id)
    await vi.waitFor(() => expect(b.store.deletedElsewhere).toEqual({ conversationId: c.id, title: 'Dragons' }))
    b.use()
    // Tab B keeps chatting: the write is refused, nothing is orphaned, the offer stays.
    expect(await b.store.putMessage(msg('q2', c.id, 2, 'And their eggs?'))).toBe(false)
    const kept = await b.store.keepAsNew([...onScreen, msg('q2', c.id, 2, 'And their eggs?')])

    expect(kept).toBeTruthy()
    expect(b.store.currentId).toBe(kept)
    expect(b.store.deletedElsewhere).toBeNull()
    // After a reload (a new connection), the messages are there, in order, under the new conversation.
    const reloaded = await tab()
    expect((await reloaded.listConversations()).map(x => x.title)).toEqual(['Dragons'])
    expect((await reloaded.listMessages(kept!)).map(m => m.content)).toEqual(['Tell me about dragons', 'They fly.', 'And their eggs?'])
  })

  it('notices a deletion on its own write too, whether or not the announcement came first', async () => {
    const a = await storeTab()
    const c = await a.store.create('Quiet')
    const d = await tab()
    await d.deleteConversation(c.id)
    a.use()
    expect(await a.store.putMessage(msg('q', c.id, 0, 'hello?'))).toBe(false)
    expect(a.store.deletedElsewhere).toEqual({ conversationId: c.id, title: 'Quiet' })
    await a.store.letGo()
    expect(a.store.deletedElsewhere).toBeNull()
  })
})
