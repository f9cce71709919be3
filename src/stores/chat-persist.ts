import { toRaw } from 'vue'
import type { StoredMessage } from '../conversations/types'
import { toAppError } from '../shared/errors'
import type { useConversationsStore } from './conversations'

/** How often a growing reply is written to IndexedDB at most, in ms: a reload loses at most this much text. */
export const PERSIST_THROTTLE_MS = 250

/** A plain copy for IndexedDB: structured clone refuses Vue's proxies. */
function plain(m: StoredMessage): StoredMessage {
  return JSON.parse(JSON.stringify(toRaw(m))) as StoredMessage
}

/** Writes the chat's messages to IndexedDB: at once (`save`) or, for a growing reply, throttled (`saveSoon`). */
export interface MessageWriter {
  /** Writes `m` now, dropping a throttled write still pending; a failure becomes the conversations store's error. */
  save: (m: StoredMessage) => Promise<void>
  /** Writes `m` at most every PERSIST_THROTTLE_MS. */
  saveSoon: (m: StoredMessage) => void
}

/** The chat store's writer into the conversations database (a failed write is shown as `conversations_unavailable`). */
export function messageWriter(conversations: ReturnType<typeof useConversationsStore>): MessageWriter {
  const timers = new Map<string, ReturnType<typeof setTimeout>>()

  async function save(m: StoredMessage): Promise<void> {
    const pending = timers.get(m.id)
    if (pending !== undefined)
      clearTimeout(pending)
    timers.delete(m.id)
    try {
      await conversations.putMessage(plain(m))
    }
    catch (err) {
      conversations.error = toAppError(err, 'conversations_unavailable')
    }
  }

  function saveSoon(m: StoredMessage): void {
    if (!timers.has(m.id))
      timers.set(m.id, setTimeout(() => void save(m), PERSIST_THROTTLE_MS))
  }

  return { save, saveSoon }
}
