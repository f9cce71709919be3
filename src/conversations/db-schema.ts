/**
 * The conversation database's schema: its name, version, object stores, and the upgrade from each older version.
 * Framework-free: only the `indexedDB` global, which fake-indexeddb provides in tests.
 */
import { AppError } from '../shared/errors'
import { withParents } from './branches'
import { request } from './idb'
import type { StoredMessage } from './types'

/** Database name; one per origin. */
export const CONVERSATION_DB_NAME = 'local-ai-conversations'
/** 1: conversations and messages. 2: messages name their parent (versions and branches, branches.ts). */
export const CONVERSATION_DB_VERSION = 2
/** Object store of conversation headers (`Conversation`), keyed by `id`, indexed by `updatedAt`. */
export const CONVERSATIONS = 'conversations'
/** Object store of messages (`StoredMessage`), keyed by `id`, indexed by `conversationId` and `status`. */
export const MESSAGES = 'messages'

function upgrade(db: IDBDatabase, oldVersion: number, tx: IDBTransaction): void {
  if (!db.objectStoreNames.contains(CONVERSATIONS))
    db.createObjectStore(CONVERSATIONS, { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt')
  if (!db.objectStoreNames.contains(MESSAGES)) {
    const messages = db.createObjectStore(MESSAGES, { keyPath: 'id' })
    messages.createIndex('conversationId', 'conversationId')
    messages.createIndex('status', 'status')
  }
  if (oldVersion >= 1 && oldVersion < 2)
    addParents(tx.objectStore(MESSAGES))
}

/**
 * Version 1 to 2: every conversation's messages, in `seq` order, become one branch (each follows the one before it).
 * Runs inside the upgrade transaction, so a failure leaves the database at version 1.
 */
function addParents(store: IDBObjectStore): void {
  const all = store.getAll() as IDBRequest<StoredMessage[]>
  all.onsuccess = () => {
    const byConversation = new Map<string, StoredMessage[]>()
    for (const m of all.result)
      byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m])
    for (const messages of byConversation.values()) {
      for (const m of withParents(messages))
        store.put(m)
    }
  }
}

/**
 * Opens the database `name` at {@link CONVERSATION_DB_VERSION}, creating or upgrading its stores.
 * @throws AppError 'conversations_unavailable' when the browser refuses IndexedDB or another tab blocks the upgrade.
 */
export async function openConversationDatabase(name: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined')
    throw new AppError('conversations_unavailable', 'This browser has no IndexedDB, so conversations cannot be kept.')
  const req = indexedDB.open(name, CONVERSATION_DB_VERSION)
  req.onupgradeneeded = (ev) => upgrade(req.result, ev.oldVersion, req.transaction!)
  const blocked = new Promise<never>((_, reject) => {
    req.onblocked = () => reject(new AppError('conversations_unavailable',
      'Another tab of this app keeps the conversation database open with an older version. Close it and reload.'))
  })
  try {
    return await Promise.race([request(req), blocked])
  }
  catch (err) {
    if (err instanceof AppError)
      throw err
    throw new AppError('conversations_unavailable', undefined, { cause: err })
  }
}
