/**
 * Notes the user keeps, saved and searched in IndexedDB through idb-keyval (a tiny maintained promise wrapper; one
 * object store is all notes need). Saving has a side effect, so the loop asks the user first. Searching needs a
 * query, and found notes go to a cloud model only once the person has allowed it (askNotesToCloud).
 */
import { createStore, entries, get, set, type UseStore } from 'idb-keyval'
import { AppError } from '../../shared/errors'
import { isQuotaError } from '../../shared/quota'
import type { Tool } from './tool'

/** A saved note. */
export interface Note {
  id: string
  text: string
  /** ISO date-time. */
  createdAt: string
}

let store: UseStore | undefined
function notesStore(): UseStore {
  // Opened lazily: importing this module must not touch IndexedDB (Node tests, the worker).
  store ??= createStore('assistant-notes', 'notes')
  return store
}

export async function saveNote(text: string, now = new Date()): Promise<Note> {
  const note: Note = { id: `${now.getTime()}-${Math.random().toString(36).slice(2, 8)}`, text, createdAt: now.toISOString() }
  try {
    await set(note.id, note, notesStore())
  }
  catch (err) {
    // The model reads this as the tool's observation, and passes it on in plain words.
    if (isQuotaError(err))
      throw new AppError('storage_full', 'The note was not saved: storage on this device is full. Tell the user to free space (delete downloaded models or old chats), then ask again.', { cause: err })
    throw err
  }
  return note
}

/**
 * Notes containing every word of the query (case-insensitive), newest first, at most `limit`.
 * @throws Error when the query has no word: an empty query would match, and hand over, every note.
 */
export async function searchNotes(query: string, limit = 5): Promise<Note[]> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (!words.length)
    throw new Error('A query is required: give the words to look for.')
  const all = (await entries<string, Note>(notesStore())).map(([, n]) => n)
  return all
    .filter(n => words.every(w => n.text.toLowerCase().includes(w)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit)
}

export const saveNoteTool: Tool = {
  name: 'save_note',
  summary: 'save a note for the user',
  cues: /\b(?:note|notes|remember|memo|save|jot|write (?:it |this |that )?down)\b/i,
  description: 'Save a note for the user (asks the user first).',
  parameters: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['text'], additionalProperties: false },
  hasSideEffects: true,
  run: async args => `Saved note ${(await saveNote(String(args.text))).id}.`,
}

export const searchNotesTool: Tool = {
  name: 'search_notes',
  summary: 'search the user\'s saved notes',
  cues: /\b(?:note|notes|noted|remember|memo|saved)\b/i,
  description: 'Search the user\'s saved notes by words.',
  // A query with at least one word: an empty one matched every note.
  parameters: { type: 'object', properties: { query: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } }, required: ['query'], additionalProperties: false },
  async run(args) {
    const found = await searchNotes(String(args.query))
    return found.length ? found.map(n => `- (${n.createdAt}) ${n.text}`).join('\n') : 'No notes match.'
  },
}

/** Tools whose results are the person's notes: they reach a cloud model only with the person's consent. */
export const NOTE_READING_TOOLS: readonly string[] = [searchNotesTool.name]

let consentStore: UseStore | undefined
function cloudConsentStore(): UseStore {
  consentStore ??= createStore('assistant-notes-consent', 'cloud')
  return consentStore
}

/**
 * Whether notes may go to the cloud service `serviceId`. The first time, the person is asked (through the same
 * consent the loop uses for tools with side effects); a yes is remembered for that service, a no is asked again next
 * time. Without a way to ask, the answer is no.
 */
export async function askNotesToCloud(serviceId: string, ask: (() => Promise<boolean>) | undefined): Promise<boolean> {
  if (await get<boolean>(serviceId, cloudConsentStore()))
    return true
  if (!(await ask?.()))
    return false
  await set(serviceId, true, cloudConsentStore())
  return true
}
