/**
 * What reads or writes every conversation at once, beside the one-record reads and writes of `ConversationDb`
 * (conversation-db.ts): search, export, import, and marking the replies a reload cut off. Functions over the open
 * `IDBDatabase`; the writes kept in memory while storage is full come in as `pending`, so the results include them.
 */
import { AppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'
import { CONVERSATIONS, MESSAGES } from './db-schema'
import { committed, getAll } from './idb'
import { withPending } from './save-queue'
import type { Conversation, ConversationWithMessages, StoredMessage } from './types'

/** Orders a conversation's messages as they were written (`seq`). */
export function bySeq(a: StoredMessage, b: StoredMessage): number {
  return a.seq - b.seq
}

/**
 * The `conversations` whose title or any message (stored or `pending`) contains `query`, case-insensitive, in the
 * order given. A scan: a person's conversations on one device are few enough that an index would cost more than it saves.
 */
export async function searchConversations(db: IDBDatabase, conversations: Conversation[], pending: StoredMessage[], query: string): Promise<Conversation[]> {
  const needle = query.trim().toLocaleLowerCase()
  if (!needle)
    return conversations
  const tx = db.transaction(MESSAGES, 'readonly')
  const messages = withPending(await getAll<StoredMessage>(tx.objectStore(MESSAGES)), pending)
  const hits = new Set(messages.filter(m => m.content.toLocaleLowerCase().includes(needle)).map(m => m.conversationId))
  return conversations.filter(c => hits.has(c.id) || c.title.toLocaleLowerCase().includes(needle))
}

/** Each of `conversations` with its messages in order, the `pending` ones (not saved yet) after the stored ones. */
export async function withAllMessages(db: IDBDatabase, conversations: Conversation[], pending: StoredMessage[]): Promise<ConversationWithMessages[]> {
  const tx = db.transaction(MESSAGES, 'readonly')
  const stored = await getAll<StoredMessage>(tx.objectStore(MESSAGES))
  return conversations.map(c => ({
    ...c,
    messages: withPending(stored.filter(m => m.conversationId === c.id).sort(bySeq), pending.filter(m => m.conversationId === c.id)),
  }))
}

/**
 * Adds the conversations and their messages in one transaction: all of them are stored, or none.
 * @throws AppError 'storage_full' when they do not fit; the IndexedDB error (ConstraintError: an id already stored) otherwise
 */
export async function addConversations(db: IDBDatabase, conversations: ConversationWithMessages[]): Promise<void> {
  try {
    const tx = db.transaction([CONVERSATIONS, MESSAGES], 'readwrite')
    for (const { messages, ...conversation } of conversations) {
      tx.objectStore(CONVERSATIONS).add(conversation)
      for (const m of messages)
        tx.objectStore(MESSAGES).add(m)
    }
    await committed(tx)
  }
  catch (err) {
    if (isQuotaError(err))
      throw new AppError('storage_full', 'Nothing was added: the conversations do not fit in the space left.', { cause: err })
    throw err
  }
}

/**
 * Marks every reply still `streaming` as `interrupted`: run once at start, when no reply of this tab can be
 * streaming yet, so what is found was cut off by a reload or crash. Returns how many were marked.
 */
export async function markInterruptedReplies(db: IDBDatabase): Promise<number> {
  const tx = db.transaction(MESSAGES, 'readwrite')
  const store = tx.objectStore(MESSAGES)
  const streaming = await getAll<StoredMessage>(store.index('status'), 'streaming')
  for (const m of streaming)
    store.put({ ...m, status: 'interrupted' })
  try {
    await committed(tx)
  }
  catch (err) {
    // A full disk must not keep the conversations from opening: they are marked at the next start instead.
    if (!isQuotaError(err))
      throw err
    console.warn('Storage is full: replies cut off last time stay unmarked for now', err)
  }
  return streaming.length
}
