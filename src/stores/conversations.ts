import { defineStore } from 'pinia'
import { ref } from 'vue'
import { openConversationDb, type ConversationDb } from '../conversations/conversation-db'
import { checkImportSize, parseExport, toExportJson } from '../conversations/export-import'
import { newId, type Conversation } from '../conversations/types'
import { AppError, toAppError } from '../protocol/errors'

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
  let opening: Promise<ConversationDb> | null = null

  /** The database, opened once per store. @throws AppError 'conversations_unavailable' */
  function db(): Promise<ConversationDb> {
    opening ??= openConversationDb()
    return opening
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

  /** Every conversation as the JSON text of an export file. */
  async function exportJson(): Promise<string | undefined> {
    return guard(async d => toExportJson(await d.exportAll()))
  }

  /**
   * Validates and adds the conversations of an export file; a bad file sets `error` ('import_invalid') and
   * changes nothing. Returns how many conversations were added.
   */
  async function importJson(json: string): Promise<number> {
    error.value = null
    const added = await guard(async (d) => {
      const conversations = parseExport(json)
      try {
        await d.addAll(conversations)
      }
      catch (err) {
        // The schema passed but the browser cannot store a value in it: the file's fault, and nothing was stored.
        if (err instanceof Error && err.name === 'DataCloneError')
          throw new AppError('import_invalid', 'The file holds a value this browser cannot store. Nothing was imported.', { cause: err })
        throw err
      }
      return conversations
    })
    if (!added)
      return 0
    await refresh()
    if (added[0])
      currentId.value = added[0].id
    return added.length
  }

  /** Imports an export file: one too large is refused as invalid before it is read. Returns how many were added. */
  async function importFile(file: Blob): Promise<number> {
    error.value = null
    try {
      checkImportSize(file.size)
    }
    catch (err) {
      error.value = toAppError(err)
      return 0
    }
    return importJson(await file.text())
  }

  return { list, currentId, query, results, error, interruptedCount, db, init, refresh, create, rename, remove, search, exportJson, importJson, importFile }
})
