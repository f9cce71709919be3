/**
 * Conversations and their messages in IndexedDB: two object stores, so a growing reply rewrites one small record
 * rather than the whole conversation. Framework-free: only the `indexedDB` global, which fake-indexeddb provides in
 * Node tests.
 */
import { AppError } from '../protocol/errors'
import { committed, getAll, request } from './idb'
import type { Conversation, ConversationWithMessages, StoredMessage } from './types'

/** Database name; one per origin. */
export const CONVERSATION_DB_NAME = 'local-ai-conversations'
const DB_VERSION = 1
const CONVERSATIONS = 'conversations'
const MESSAGES = 'messages'

function upgrade(db: IDBDatabase): void {
  if (!db.objectStoreNames.contains(CONVERSATIONS))
    db.createObjectStore(CONVERSATIONS, { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt')
  if (!db.objectStoreNames.contains(MESSAGES)) {
    const messages = db.createObjectStore(MESSAGES, { keyPath: 'id' })
    messages.createIndex('conversationId', 'conversationId')
    messages.createIndex('status', 'status')
  }
}

function bySeq(a: StoredMessage, b: StoredMessage): number {
  return a.seq - b.seq
}

/** The conversation database. Open it with {@link openConversationDb}. */
export class ConversationDb {
  constructor(private readonly db: IDBDatabase) {
    // Another tab upgrading the schema must not be blocked by this one: close and let it proceed.
    db.onversionchange = () => db.close()
  }

  close(): void {
    this.db.close()
  }

  /** Every conversation, most recently changed first. */
  async listConversations(): Promise<Conversation[]> {
    const tx = this.db.transaction(CONVERSATIONS, 'readonly')
    const all = await getAll<Conversation>(tx.objectStore(CONVERSATIONS))
    return all.sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt)
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const tx = this.db.transaction(CONVERSATIONS, 'readonly')
    return request(tx.objectStore(CONVERSATIONS).get(id) as IDBRequest<Conversation | undefined>)
  }

  async putConversation(conversation: Conversation): Promise<void> {
    const tx = this.db.transaction(CONVERSATIONS, 'readwrite')
    tx.objectStore(CONVERSATIONS).put(conversation)
    await committed(tx)
  }

  /** Deletes the conversation and all its messages, in one transaction. */
  async deleteConversation(id: string): Promise<void> {
    const tx = this.db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
    tx.objectStore(CONVERSATIONS).delete(id)
    const messages = tx.objectStore(MESSAGES)
    const keys = await request(messages.index('conversationId').getAllKeys(id))
    for (const key of keys)
      messages.delete(key)
    await committed(tx)
  }

  /** The conversation's messages in order. */
  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    const tx = this.db.transaction(MESSAGES, 'readonly')
    const all = await getAll<StoredMessage>(tx.objectStore(MESSAGES).index('conversationId'), conversationId)
    return all.sort(bySeq)
  }

  /**
   * Writes the message and moves its conversation to the top of the list, in one transaction. A message of a
   * conversation that no longer exists (deleted while its reply streamed) is not written, so nothing is orphaned.
   */
  async putMessage(message: StoredMessage, now = Date.now()): Promise<void> {
    const tx = this.db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
    const conversations = tx.objectStore(CONVERSATIONS)
    const conversation = await request(conversations.get(message.conversationId) as IDBRequest<Conversation | undefined>)
    if (conversation) {
      tx.objectStore(MESSAGES).put(message)
      conversations.put({ ...conversation, updatedAt: now })
    }
    await committed(tx)
  }

  async deleteMessages(ids: string[]): Promise<void> {
    const tx = this.db.transaction(MESSAGES, 'readwrite')
    for (const id of ids)
      tx.objectStore(MESSAGES).delete(id)
    await committed(tx)
  }

  /**
   * Marks every reply still `streaming` as `interrupted`: run once at start, when no reply of this tab can be
   * streaming yet, so what is found was cut off by a reload or crash. Returns how many were marked.
   */
  async markInterrupted(): Promise<number> {
    const tx = this.db.transaction(MESSAGES, 'readwrite')
    const store = tx.objectStore(MESSAGES)
    const streaming = await getAll<StoredMessage>(store.index('status'), 'streaming')
    for (const m of streaming)
      store.put({ ...m, status: 'interrupted' })
    await committed(tx)
    return streaming.length
  }

  /**
   * Conversations whose title or any message contains `query` (case-insensitive), most recent first.
   * A scan: a person's conversations on one device are few enough that an index would cost more than it saves.
   */
  async search(query: string): Promise<Conversation[]> {
    const needle = query.trim().toLocaleLowerCase()
    const conversations = await this.listConversations()
    if (!needle)
      return conversations
    const tx = this.db.transaction(MESSAGES, 'readonly')
    const messages = await getAll<StoredMessage>(tx.objectStore(MESSAGES))
    const hits = new Set(messages.filter(m => m.content.toLocaleLowerCase().includes(needle)).map(m => m.conversationId))
    return conversations.filter(c => hits.has(c.id) || c.title.toLocaleLowerCase().includes(needle))
  }

  /** Every conversation with its messages, for export. */
  async exportAll(): Promise<ConversationWithMessages[]> {
    const conversations = await this.listConversations()
    const tx = this.db.transaction(MESSAGES, 'readonly')
    const messages = await getAll<StoredMessage>(tx.objectStore(MESSAGES))
    return conversations.map(c => ({ ...c, messages: messages.filter(m => m.conversationId === c.id).sort(bySeq) }))
  }

  /** Adds the conversations and their messages in one transaction: all of them are stored, or none. */
  async addAll(conversations: ConversationWithMessages[]): Promise<void> {
    const tx = this.db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
    for (const { messages, ...conversation } of conversations) {
      tx.objectStore(CONVERSATIONS).add(conversation)
      for (const m of messages)
        tx.objectStore(MESSAGES).add(m)
    }
    await committed(tx)
  }
}

/**
 * Opens (and creates or upgrades) the conversation database.
 * @throws AppError 'conversations_unavailable' when the browser refuses IndexedDB or another tab blocks the upgrade.
 */
export async function openConversationDb(name = CONVERSATION_DB_NAME): Promise<ConversationDb> {
  if (typeof indexedDB === 'undefined')
    throw new AppError('conversations_unavailable', 'This browser has no IndexedDB, so conversations cannot be kept.')
  const req = indexedDB.open(name, DB_VERSION)
  req.onupgradeneeded = () => upgrade(req.result)
  const blocked = new Promise<never>((_, reject) => {
    req.onblocked = () => reject(new AppError('conversations_unavailable',
      'Another tab of this app keeps the conversation database open with an older version. Close it and reload.'))
  })
  try {
    return new ConversationDb(await Promise.race([request(req), blocked]))
  }
  catch (err) {
    if (err instanceof AppError)
      throw err
    throw new AppError('conversations_unavailable', undefined, { cause: err })
  }
}
