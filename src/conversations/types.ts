/**
 * Conversations as they are kept on this device (IndexedDB) and exported as JSON.
 * Framework-free: no Vue, Pinia or DOM.
 */
import type { AgentStep } from '../agent/types'
import type { ChatMessage, ChatSummary, FinishReason, ReplyNotice, RequestMetrics } from '../contract/types'

/**
 * Where a message is in its life. `streaming` is only ever seen while a reply is being written; a `streaming`
 * message found when the app starts was cut off by a reload or crash and becomes `interrupted`.
 */
export type MessageStatus = 'done' | 'streaming' | 'stopped' | 'interrupted' | 'error'

/** One message of a conversation. */
export interface StoredMessage {
  /** Random id (UUID). */
  id: string
  conversationId: string
  /** Position in the conversation, ascending: the order messages were written in, across every branch. */
  seq: number
  /**
   * The message this one follows (null: the first message). Two messages with one parent are versions of each other:
   * a regenerated reply, or an edited question (branches.ts). Absent on messages written before branches existed:
   * they follow the message before them.
   */
  parentId?: string | null
  role: ChatMessage['role']
  /** The text; for an assistant reply, Markdown written by the model (untrusted). */
  content: string
  status: MessageStatus
  /** Epoch milliseconds. */
  createdAt: number
  /** Which backend answered (assistant replies). */
  backend?: string
  /** Which model answered: its file name (assistant replies). */
  model?: string
  /** How the prompt was built: with the chat template, or as a plain continuation. */
  mode?: ChatSummary['mode']
  /** Timings of the request that produced this reply. */
  metrics?: RequestMetrics
  /** Agent transcript of this reply: thoughts, tool calls, observations (untrusted), answer. */
  steps?: AgentStep[]
  /** Error code when `status` is `error`. */
  errorCode?: string
  /** The error's own words when `status` is `error` (they name the host or file involved), shown in the reply. */
  errorMessage?: string
  /** The local model failed on this turn and Gemini answered instead. */
  fellBack?: boolean
  /** Why the reply ended, when it was not a plain finish (the token limit, a safety stop, a stalled stream...). */
  finishReason?: FinishReason
  /** Shown under the reply: why it ended early or empty, and what to do next. The text so far stays in `content`. */
  notice?: ReplyNotice
  /** The model's reasoning, apart from `content`: shown collapsed, never sent back to a model. */
  reasoning?: string
  /**
   * Milliseconds from sending the request to the first answer text, kept when the reply has `reasoning`: the "Thought
   * for N s" above it (it includes reading the prompt, as the person waited for it).
   */
  reasoningMs?: number
  /**
   * The summary of earlier messages that this reply's turn had the model write, when the chat outgrew the context
   * and the person chose "summarise" (orchestrator/history-summary.ts): `through` is the id of the last message it stands
   * for. Later turns send the summary in place of those messages (history.ts); shown under the reply.
   */
  contextSummary?: { text: string, through: string }
  /**
   * The message came from an imported file, so nothing about it is known, only claimed: an imported reply's backend,
   * model, metrics and fell-back mark are the file's word, an imported `system` or `tool` message is shown but never
   * sent, and an imported reply's tool steps are never replayed as tool calls (history.ts). Set by the import on every
   * message, whatever the file says.
   */
  imported?: boolean
}

/** A conversation's header; its messages are kept apart. */
export interface Conversation {
  id: string
  title: string
  /** Epoch milliseconds. */
  createdAt: number
  /** Epoch milliseconds of the last change; the list is ordered by it, newest first. */
  updatedAt: number
  /** The last message of the branch on screen (branches.ts); absent: the newest branch. */
  leafId?: string
}

/** A conversation with its messages, in order: the unit of export and import. */
export interface ConversationWithMessages extends Conversation {
  messages: StoredMessage[]
}

/** A random id; `crypto.randomUUID` exists in every browser we support and in Node. */
export function newId(): string {
  return crypto.randomUUID()
}
