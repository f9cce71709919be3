/**
 * Changes to the conversation database announced between tabs on a BroadcastChannel, so every tab refreshes what
 * another one committed. Framework-free: without a `BroadcastChannel` global nothing is sent or heard.
 */

/** Name of the BroadcastChannel a database's changes are announced on. */
export function changesChannel(dbName: string): string {
  return `${dbName}:changes`
}

/** A change another tab made: a conversation's messages, a conversation deleted, or the list (new, renamed, imported). */
export type ConversationChange =
  | { type: 'messages', conversationId: string }
  | { type: 'deleted', conversationId: string }
  | { type: 'list' }

function isChange(v: unknown): v is ConversationChange {
  const c = v as ConversationChange | null
  return !!c && (c.type === 'list' || ((c.type === 'messages' || c.type === 'deleted') && typeof c.conversationId === 'string'))
}

/** One tab's end of the changes channel: announces this tab's changes and hears the other tabs'. */
export class ChangeFeed {
  private readonly channel: BroadcastChannel | null
  private readonly listeners = new Set<(change: ConversationChange) => void>()

  /** `channelName`: see {@link changesChannel}. Messages that are not a {@link ConversationChange} are ignored. */
  constructor(channelName: string) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(channelName)
    this.channel?.addEventListener('message', (ev: MessageEvent<unknown>) => {
      if (isChange(ev.data))
        this.listeners.forEach(l => l(ev.data as ConversationChange))
    })
  }

  /** Tells the other tabs (not this one) about a committed change. */
  announce(change: ConversationChange): void {
    this.channel?.postMessage(change)
  }

  /** Calls `listener` with each change another tab announces; returns the unsubscribe function. */
  subscribe(listener: (change: ConversationChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Stops sending and hearing. */
  close(): void {
    this.channel?.close()
  }
}
