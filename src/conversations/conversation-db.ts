/**
 * Conversations and their messages in IndexedDB: two object stores, so a growing reply rewrites one small record
 * rather than the whole conversation. Framework-free: only the `indexedDB` and `BroadcastChannel` globals, which
 * fake-indexeddb and Node provide in tests.
 *
 * Several tabs share the database. A new message's `seq` is assigned inside the write transaction (IndexedDB runs
 * read-write transactions on a store one at a time, across tabs), so two tabs writing one conversation never reuse a
 * position; every committed change is announced on a BroadcastChannel so the other tabs refresh.
 *
 * Writes go through a {@link SaveQueue}: one refused because storage is full is kept in memory, merged into what
 * this tab reads, and retried (next write, a timer, `retrySaving()` after space was freed), so nothing is lost.
 *
 * What scans or writes every conversation at once (search, export, import, the start-up marking) is in
 * conversation-bulk.ts; the class hands it the open database and the writes kept in memory.
 */
import { AppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'
import { ChangeFeed, changesChannel, type ConversationChange } from './changes'
import { addConversations, bySeq, markInterruptedReplies, searchConversations, withAllMessages } from './conversation-bulk'
import { CONVERSATION_DB_NAME, CONVERSATIONS, MESSAGES, openConversationDatabase } from './db-schema'
import { committed, getAll, request } from './idb'
import { SaveQueue, storageFullError, withPending, type PendingWrite, type SaveQueueState } from './save-queue'
import type { Conversation, ConversationWithMessages, StoredMessage } from './types'

export { CONVERSATION_DB_NAME, CONVERSATION_DB_VERSION } from './db-schema'
export { changesChannel, type ConversationChange } from './changes'

/** The conversation database. Open it with {@link openConversationDb}. */
export class ConversationDb {
  private readonly changes: ChangeFeed
  private readonly saveListeners = new Set<(state: SaveQueueState) => void>()
  private readonly saves: SaveQueue

  constructor(private readonly db: IDBDatabase, channelName = changesChannel(db.name), retryDelaysMs?: readonly number[]) {
    this.saves = new SaveQueue(w => this.writeNow(w), { retryDelaysMs, onChange: state => this.saveListeners.forEach(l => l(state)) })
    // Another tab upgrading the schema must not be blocked by this one: close and let it proceed.
    db.onversionchange = () => db.close()
    this.changes = new ChangeFeed(channelName)
  }

  close(): void {
    this.saves.dispose()
    this.changes.close()
    this.db.close()
  }

  /** Calls `listener` with each change another tab commits; returns the unsubscribe function. */
  onChange(listener: (change: ConversationChange) => void): () => void {
    return this.changes.subscribe(listener)
  }

  /** Calls `listener` whenever what is not saved yet changes; returns the unsubscribe function. */
  onSaveState(listener: (state: SaveQueueState) => void): () => void {
    this.saveListeners.add(listener)
    return () => this.saveListeners.delete(listener)
  }

  /** What is kept in memory because storage was full. */
  saveState(): SaveQueueState {
    return this.saves.state()
  }

  /** Tries the writes kept in memory now (space was freed). @returns whether everything is saved */
  retrySaving(): Promise<boolean> {
    return this.saves.retry()
  }

  private pendingConversations(): Conversation[] {
    return this.saves.waiting().flatMap(w => (w.kind === 'conversation' ? [w.value] : []))
  }

  private pendingMessages(conversationId?: string): StoredMessage[] {
    return this.saves.waiting().flatMap(w => (w.kind === 'message' && (conversationId === undefined || w.value.conversationId === conversationId) ? [w.value] : []))
  }

  /** Does one queued write (only the queue calls it). Storage full stays recognisable; other failures get a code. */
  private async writeNow(w: PendingWrite): Promise<unknown> {
    try {
      return w.kind === 'conversation' ? await this.putConversationNow(w.value) : await this.putMessageNow(w.value, w.now)
    }
    catch (err) {
      if (isQuotaError(err))
        throw storageFullError(err)
      throw new AppError('conversation_not_saved', undefined, { cause: err })
    }
  }

  private announce(change: ConversationChange): void {
    this.changes.announce(change)
  }

  /** Every conversation, most recently changed first. */
  async listConversations(): Promise<Conversation[]> {
    const tx = this.db.transaction(CONVERSATIONS, 'readonly')
    const all = withPending(await getAll<Conversation>(tx.objectStore(CONVERSATIONS)), this.pendingConversations())
    return all.sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt)
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const pending = this.pendingConversations().find(c => c.id === id)
    const tx = this.db.transaction(CONVERSATIONS, 'readonly')
    return pending ?? request(tx.objectStore(CONVERSATIONS).get(id) as IDBRequest<Conversation | undefined>)
  }

  /**
   * Shows another branch: `leafId` becomes the last message on screen. The conversation's place in the list does not
   * change (reading an earlier version is not a change). Nothing happens when the conversation is gone.
   */
  async setLeaf(conversationId: string, leafId: string): Promise<void> {
    const tx = this.db.transaction(CONVERSATIONS, 'readwrite')
    const store = tx.objectStore(CONVERSATIONS)
    const found = await request(store.get(conversationId) as IDBRequest<Conversation | undefined>)
    if (found)
      store.put({ ...found, leafId })
    await committed(tx)
    this.announce({ type: 'messages', conversationId })
  }

  /**
   * Writes a conversation's header (new, renamed). @throws AppError 'storage_full' when it is kept in memory until
   * there is room | 'conversation_not_saved'
   */
  async putConversation(conversation: Conversation): Promise<void> {
    await this.saves.write({ kind: 'conversation', value: conversation })
  }

  private async putConversationNow(conversation: Conversation): Promise<void> {
    const tx = this.db.transaction(CONVERSATIONS, 'readwrite')
    tx.objectStore(CONVERSATIONS).put(conversation)
    await committed(tx)
    this.announce({ type: 'list' })
  }

  /**
   * Deletes the conversation and all its messages, in one transaction; its unsaved writes are forgotten, and the
   * space freed lets the other unsaved writes through.
   */
  async deleteConversation(id: string): Promise<void> {
    this.saves.drop(w => (w.kind === 'conversation' ? w.value.id : w.value.conversationId) === id)
    await this.saves.exclusive(async () => {
      const tx = this.db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
      tx.objectStore(CONVERSATIONS).delete(id)
      const messages = tx.objectStore(MESSAGES)
      const keys = await request(messages.index('conversationId').getAllKeys(id))
      for (const key of keys)
        messages.delete(key)
      await committed(tx)
    })
    this.announce({ type: 'deleted', conversationId: id })
    void this.retryAfterFreeing()
  }

  private async retryAfterFreeing(): Promise<void> {
    if (this.saves.size)
      await this.saves.retry()
  }

  /** The conversation's messages in order, with the ones not saved yet (kept in memory) after the stored ones. */
  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    const tx = this.db.transaction(MESSAGES, 'readonly')
    const all = await getAll<StoredMessage>(tx.objectStore(MESSAGES).index('conversationId'), conversationId)
    return withPending(all.sort(bySeq), this.pendingMessages(conversationId))
  }

  /**
   * Writes the message and moves its conversation to the top of the list, in one transaction. A new message's `seq`
   * is assigned here, after every message already stored for the conversation (whichever tab wrote them); a message
   * written again (a growing reply) keeps its stored `seq`. A message of a conversation that no longer exists
   * (deleted, maybe in another tab) is not written, so nothing is orphaned: the result says so, and the caller keeps
   * the message (conversations store: `deletedElsewhere`). When storage is full the message is kept in memory, shown by
   * {@link listMessages} and {@link saveState}, and written (after everything before it) once there is room. A new
   * message ends the branch on screen (`leafId`).
   * @returns the stored message, or undefined when its conversation no longer exists
   * @throws AppError 'storage_full' while it is kept in memory | 'conversation_not_saved'
   */
  async putMessage(message: StoredMessage, now?: number): Promise<StoredMessage | undefined> {
    return this.saves.write({ kind: 'message', value: message, now })
  }

  private async putMessageNow(message: StoredMessage, now = Date.now()): Promise<StoredMessage | undefined> {
    const tx = this.db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
    const conversations = tx.objectStore(CONVERSATIONS)
    const messages = tx.objectStore(MESSAGES)
    const conversation = await request(conversations.get(message.conversationId) as IDBRequest<Conversation | undefined>)
    let stored: StoredMessage | undefined
    if (conversation) {
      const existing = await request(messages.get(message.id) as IDBRequest<StoredMessage | undefined>)
      const seq = existing?.conversationId === message.conversationId ? existing.seq : await this.nextSeq(messages, message.conversationId)
      stored = { ...message, seq }
      messages.put(stored)
      conversations.put({ ...conversation, updatedAt: now, ...(!existing && { leafId: message.id }) })
    }
    await committed(tx)
    if (stored)
      this.announce({ type: 'messages', conversationId: message.conversationId })
    return stored
  }

  /** One past the highest `seq` stored for the conversation, read inside the caller's transaction. */
  private async nextSeq(messages: IDBObjectStore, conversationId: string): Promise<number> {
    const all = await getAll<StoredMessage>(messages.index('conversationId'), conversationId)
    return all.reduce((max, m) => Math.max(max, m.seq), -1) + 1
  }

  /** Deletes messages, saved or still waiting in memory; the space freed lets other unsaved writes through. */
  async deleteMessages(ids: string[]): Promise<void> {
    const gone = new Set(ids)
    this.saves.drop(w => w.kind === 'message' && gone.has(w.value.id))
    const affected = await this.saves.exclusive(async () => {
      const tx = this.db.transaction(MESSAGES, 'readwrite')
      const messages = tx.objectStore(MESSAGES)
      const found = new Set<string>()
      for (const id of ids) {
        const m = await request(messages.get(id) as IDBRequest<StoredMessage | undefined>)
        if (m)
          found.add(m.conversationId)
        messages.delete(id)
      }
      await committed(tx)
      return found
    })
    affected.forEach(conversationId => this.announce({ type: 'messages', conversationId }))
    void this.retryAfterFreeing()
  }

  /** Marks the replies a reload or crash cut off, once at start ({@link markInterruptedReplies}); returns how many. */
  markInterrupted(): Promise<number> {
    return markInterruptedReplies(this.db)
  }

  /** Conversations whose title or any message contains `query` (case-insensitive), most recent first. */
  async search(query: string): Promise<Conversation[]> {
    return searchConversations(this.db, await this.listConversations(), this.pendingMessages(), query)
  }

  /**
   * Every conversation with its messages, for export; messages not saved yet (storage full) are in it too, so an
   * export keeps them.
   */
  async exportAll(): Promise<ConversationWithMessages[]> {
    return withAllMessages(this.db, await this.listConversations(), this.pendingMessages())
  }

  /**
   * Adds the conversations and their messages in one transaction: all of them are stored, or none.
   * @throws AppError 'storage_full' when they do not fit (nothing is stored; an import is not retried by itself)
   */
  async addAll(conversations: ConversationWithMessages[]): Promise<void> {
    await this.saves.exclusive(() => addConversations(this.db, conversations))
    this.announce({ type: 'list' })
  }
}

/**
 * Opens (and creates or upgrades) the conversation database.
 * `retryDelaysMs`: waits between retries of writes refused for lack of space (save-queue.ts).
 * @throws AppError 'conversations_unavailable' when the browser refuses IndexedDB or another tab blocks the upgrade.
 */
export async function openConversationDb(name = CONVERSATION_DB_NAME, opts: { retryDelaysMs?: readonly number[] } = {}): Promise<ConversationDb> {
  const db = await openConversationDatabase(name)
  return new ConversationDb(db, changesChannel(db.name), opts.retryDelaysMs)
}
