/**
 * Notes the user keeps, saved and searched in IndexedDB through idb-keyval (a tiny maintained promise wrapper; one
 * object store is all notes need). Saving has a side effect, so the loop asks the user first.
 */
import { createStore, entries, set, type UseStore } from 'idb-keyval'
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
  await set(note.id, note, notesStore())
  return note
}

/** Notes containing every word of the query (case-insensitive), newest first, at most `limit`. */
export async function searchNotes(query: string, limit = 5): Promise<Note[]> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const all = (await entries<string, Note>(notesStore())).map(([, n]) => n)
  return all
    .filter(n => words.every(w => n.text.toLowerCase().includes(w)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit)
}

export const saveNoteTool: Tool = {
  name: 'save_note',
  summary: 'save a note for the user',
  description: 'Save a note for the user (asks the user first).',
  parameters: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['text'], additionalProperties: false },
  hasSideEffects: true,
  run: async args => `Saved note ${(await saveNote(String(args.text))).id}.`,
}

export const searchNotesTool: Tool = {
  name: 'search_notes',
  summary: 'search the user\'s saved notes',
  description: 'Search the user\'s saved notes by words.',
  parameters: { type: 'object', properties: { query: { type: 'string', maxLength: 200 } }, required: ['query'], additionalProperties: false },
  async run(args) {
    const found = await searchNotes(String(args.query))
    return found.length ? found.map(n => `- (${n.createdAt}) ${n.text}`).join('\n') : 'No notes match.'
  },
}
