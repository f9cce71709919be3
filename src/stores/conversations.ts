import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { openConversationDb, type ConversationChange, type ConversationDb } from '../conversations/conversation-db'
import { checkImportSize, conversationFingerprint, toExportJson } from '../conversations/export-format'
import type { SaveQueueState } from '../conversations/save-queue'
import { newId, type Conversation, type StoredMessage } from '../conversations/types'
import { AppError, toAppError } from '../shared/errors'

/** Title of a conversation before its first message names it. */
export const UNTITLED = 'New chat'
/** Longest title taken from a first message, in characters. */
const TITLE_CHARS = 60

/** A title from the first message: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? ''
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : (line || UNTITLED)
}

/**
 * The list of conversations kept in IndexedDB: which one is open, new, rename, delete, search, export and import.
 * The chat store keeps the open conversation's messages.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const list = ref<Conversation[]>([])
  const currentId = ref<string | null>(null)
  /** Search text; `results` holds the matches while it is not empty. */
  const query = ref('')
  const results = ref<Conversation[] | null>(null)
  const error = ref<AppError | null>(null)
  /** Replies found cut off by a reload or crash at start, now marked interrupted. */
  const interruptedCount = ref(0)
  /**
   * The last change another tab made to the open conversation's messages; the chat store reloads them on it.
   * `n` counts, so two changes in a row are two changes.
   */
  const changedElsewhere = ref<{ conversationId: string, n: number } | null>(null)
  /**
   * The open conversation was deleted (in another tab) while this tab showed it or wrote to it. Its messages stay on
   * screen until the person keeps them as a new conversation ({@link keepAsNew}) or lets them go ({@link letGo}).
   */
  const deletedElsewhere = ref<{ conversationId: string, title: string } | null>(null)
  /** Ids of messages the browser refused to store (storage full): kept in memory, shown as not saved yet, retried. */
  const unsaved = ref<string[]>([])
  let opening: Promise<ConversationDb> | null = null
  // Opening another conversation leaves the deleted one's messages behind, and with them the offer to keep them.
  // A refused import's card belongs to the moment of the import, not to the next conversation (a newcomer found it
  // minutes later under another one).
  watch(currentId, (id) => {
    if (deletedElsewhere.value && id !== deletedElsewhere.value.conversationId)
      deletedElsewhere.value = null
    if (error.value?.code === 'import_invalid')
      error.value = null
  })

  /** The database, opened once per store, listening to other tabs. @throws AppError 'conversations_unavailable' */
  function db(): Promise<ConversationDb> {
    opening ??= openConversationDb().then((d) => {
      d.onChange(change => void onChangeElsewhere(change))
      d.onSaveState(onSaveState)
      return d
    })
    return opening
  }

  function titleOf(id: string): string {
    return list.value.find(c => c.id === id)?.title ?? UNTITLED
  }

  let queueError: AppError | null = null
  /** What waits in memory changed: mark it; once all of it is stored, the storage-full notice goes away. */
  function onSaveState(state: SaveQueueState): void {
    // Only writes storage refused (the queue's own notion): one merely in flight (every reply has one) flashed "Not
    // saved yet" with its "Storage is full" tooltip at 1 % used (newcomer report).
    unsaved.value = state.unsavedMessageIds
    if (state.error && state.error !== queueError)
      error.value = queueError = state.error
    if (!state.error && queueError) {
      if (error.value === queueError)
        error.value = null
      queueError = null
    }
  }

  /** Space was freed (a model or chat deleted): tries the unsaved writes now. */
  async function retrySaving(): Promise<void> {
    if (opening)
      await guard(d => d.retrySaving())
  }

  // Unsaved messages live only in this tab's memory: the browser asks before a reload or close would drop them.
  if (typeof window !== 'undefined') {
    window.addEventListener('beforeunload', (ev) => {
      if (unsaved.value.length)
        ev.preventDefault()
    })
  }

  /** Another tab changed something: refresh the list; tell the chat when the open conversation changed or went. */
  async function onChangeElsewhere(change: ConversationChange): Promise<void> {
    const open = currentId.value
    if (change.type === 'deleted' && change.conversationId === open)
      deletedElsewhere.value = { conversationId: open, title: titleOf(open) }
    if (change.type === 'messages' && change.conversationId === open)
      changedElsewhere.value = { conversationId: open, n: (changedElsewhere.value?.n ?? 0) + 1 }
    await refresh()
  }

  /**
   * Writes a message of the open conversation. When its conversation is gone (deleted in another tab), nothing is
   * written and `deletedElsewhere` is set, so the person can keep the messages. @returns whether it was stored
   */
  async function putMessage(message: StoredMessage): Promise<boolean> {
    const stored = await (await db()).putMessage(message)
    if (!stored && !deletedElsewhere.value)
      deletedElsewhere.value = { conversationId: message.conversationId, title: titleOf(message.conversationId) }
    return !!stored
  }

  /** Stores `messages` (of a conversation deleted elsewhere) as a new conversation and opens it. */
  async function keepAsNew(messages: readonly StoredMessage[]): Promise<string | undefined> {
    const gone = deletedElsewhere.value
    if (!gone)
      return undefined
    const now = Date.now()
    const id = newId()
    // The branch on screen is kept, as one branch: each message follows the one before it.
    const ids = messages.map(() => newId())
    const copy = {
      id, title: gone.title, createdAt: now, updatedAt: now,
      messages: messages.map((m, seq) => ({ ...m, id: ids[seq]!, parentId: ids[seq - 1] ?? null, conversationId: id, seq, status: m.status === 'streaming' ? 'interrupted' as const : m.status })),
    }
    const isAdded = await guard(async (d) => {
      await d.addAll([JSON.parse(JSON.stringify(copy)) as typeof copy])
      return true
    })
    if (!isAdded)
      return undefined
    deletedElsewhere.value = null
    await refresh()
    currentId.value = id
    return id
  }

  /** Lets the messages of a conversation deleted elsewhere go, and opens the most recent conversation. */
  async function letGo(): Promise<void> {
    deletedElsewhere.value = null
    await refresh()
    currentId.value = list.value[0]?.id ?? null
  }

  /** Runs `work`, keeping its failure in `error` instead of throwing; returns undefined on failure. */
  async function guard<T>(work: (d: ConversationDb) => Promise<T>): Promise<T | undefined> {
    try {
      return await work(await db())
    }
    catch (err) {
      error.value = toAppError(err, 'conversations_unavailable')
      return undefined
    }
  }

  /** Opens the database, marks replies cut off last time as interrupted, and opens the latest conversation. */
  async function init(): Promise<void> {
    await guard(async (d) => {
      interruptedCount.value = await d.markInterrupted()
      await refresh()
      currentId.value = list.value[0]?.id ?? null
    })
  }

  async function refresh(): Promise<void> {
    await guard(async (d) => {
      list.value = await d.listConversations()
      results.value = query.value.trim() ? await d.search(query.value) : null
    })
  }

  /** Creates an empty conversation and opens it. */
  async function create(title = UNTITLED, id = newId()): Promise<Conversation> {
    const now = Date.now()
    const conversation: Conversation = { id, title, createdAt: now, updatedAt: now }
    currentId.value = conversation.id
    await guard(d => d.putConversation(conversation))
    await refresh()
    return conversation
  }

  async function rename(id: string, title: string): Promise<void> {
    const clean = title.trim().slice(0, 500)
    if (!clean)
      return
    await guard(async (d) => {
      const found = await d.getConversation(id)
      if (found)
        await d.putConversation({ ...found, title: clean })
    })
    await refresh()
  }

  /** Deletes the conversation and its messages; opens the next most recent one. */
  async function remove(id: string): Promise<void> {
    await guard(d => d.deleteConversation(id))
    await refresh()
    if (currentId.value === id)
      currentId.value = list.value[0]?.id ?? null
  }

  async function search(text: string): Promise<void> {
    query.value = text
    await refresh()
  }

  /**
   * Every conversation with at least one message, as the JSON text of an export file. An empty one (New chat, nothing
   * sent yet) is left out: it carries nothing, and a newcomer's export listed them as blank entries.
   */
  async function exportJson(): Promise<string | undefined> {
    return guard(async d => toExportJson((await d.exportAll()).filter(c => c.messages.length > 0)))
  }

  /** What the last import did: how many conversations were added, and how many were already here and skipped. */
  const lastImport = ref<{ added: number, skipped: number } | null>(null)

  /**
   * Validates and adds the conversations of an export file; a bad file sets `error` ('import_invalid') and
   * changes nothing. A conversation already here (the same start and messages: conversationFingerprint, whatever its
   * ids or title) is skipped, so importing one file twice adds nothing the second time. `lastImport` says how many
   * were added and skipped. Returns how many conversations were added.
   */
  async function importJson(json: string, fileName?: string): Promise<number> {
    error.value = null
    lastImport.value = null
    const result = await guard(async (d) => {
      // The schema validator loads with the first import, not with the page (bench `shell`).
      const { parseExport } = await import('../conversations/export-import')
      const parsed = parseExport(json, Date.now(), fileName)
      const here = new Set(await Promise.all((await d.exportAll()).map(conversationFingerprint)))
      const fresh: typeof parsed = []
      for (const c of parsed) {
        const fingerprint = await conversationFingerprint(c)
        if (!here.has(fingerprint))
          fresh.push(c)
        here.add(fingerprint) // the same conversation twice in one file is added once
      }
      try {
        if (fresh.length)
          await d.addAll(fresh)
      }
      catch (err) {
        // The schema passed but the browser cannot store a value in it: the file's fault, and nothing was stored.
        if (err instanceof Error && err.name === 'DataCloneError')
          throw new AppError('import_invalid', 'The file holds a value this browser cannot store. Nothing was imported.', { cause: err })
        throw err
      }
      return { added: fresh, skipped: parsed.length - fresh.length }
    })
    if (!result)
      return 0
    lastImport.value = { added: result.added.length, skipped: result.skipped }
    await refresh()
    if (result.added[0])
      currentId.value = result.added[0].id
    return result.added.length
  }

  /** Imports an export file: one too large is refused as invalid before it is read. Returns how many were added. */
  async function importFile(file: Blob & { name?: string }): Promise<number> {
    error.value = null
    lastImport.value = null
    try {
      checkImportSize(file.size, file.name)
    }
    catch (err) {
      error.value = toAppError(err)
      return 0
    }
    return importJson(await file.text(), file.name)
  }

  return {
    list, currentId, query, results, error, interruptedCount, changedElsewhere, deletedElsewhere, unsaved, db, init, refresh,
    create, rename, remove, search, exportJson, importJson, importFile, lastImport, putMessage, keepAsNew, letGo, retrySaving,
  }
})
