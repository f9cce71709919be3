/**
 * The conversations export file: its shape, writing it, and the checks made before an import is read (size) and after
 * (fingerprints of what is already here). Apart from export-import.ts, whose schema validator (generated, about 4 KB
 * gzip) loads with the first import rather than with the page (bench `shell`). Framework-free.
 */
import { AppError } from '../shared/errors'
import { EXPORT_FORMAT, EXPORT_VERSION, type READ_VERSIONS } from './export-schema'
import type { ConversationWithMessages, StoredMessage } from './types'

/**
 * Largest file Import reads, in bytes (100 MiB): far above years of text conversations, small enough to parse in a tab.
 * Checked before the file is read, and again on its text.
 */
export const MAX_IMPORT_BYTES = 100 * 2 ** 20
/** The exported file as JSON data. */
export interface ConversationExport {
  format: typeof EXPORT_FORMAT
  /** 2 when written; 1 (no branches) is still read. */
  version: (typeof READ_VERSIONS)[number]
  /** ISO 8601 time of the export. */
  exportedAt: string
  conversations: Array<Omit<ConversationWithMessages, 'messages'> & { messages: Array<Omit<StoredMessage, 'conversationId' | 'seq'>> }>
}

/** The JSON text of an export of these conversations. */
export function toExportJson(conversations: ConversationWithMessages[], now = new Date()): string {
  const data: ConversationExport = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now.toISOString(),
    conversations: conversations.map(({ messages, ...c }) => ({
      ...c,
      messages: messages.map(({ conversationId: _c, seq: _s, ...m }) => m),
    })),
  }
  return JSON.stringify(data, null, 2)
}

/** The file and what is wrong with it; the card's title already says it is not an export and nothing was imported. */
export function invalid(problem: string, fileName?: string): AppError {
  return new AppError('import_invalid', `${fileName ? `"${fileName}"` : 'The file'}: ${problem}.`)
}

/** @throws AppError 'import_invalid' when a file of `sizeBytes` is too large to import. */
export function checkImportSize(sizeBytes: number, fileName?: string): void {
  if (sizeBytes > MAX_IMPORT_BYTES)
    throw invalid(`it is ${(sizeBytes / 2 ** 20).toFixed(1)} MiB, and at most ${MAX_IMPORT_BYTES / 2 ** 20} MiB are read`, fileName)
}

/**
 * What makes two copies of a conversation the same, whatever ids an import gave them: when it started, and each
 * message's role, text and time, in order. A SHA-256 (Web Crypto) of that, hex. Title, statuses and the imported mark
 * are left out: renaming a conversation, or importing it, does not make it another one.
 */
export async function conversationFingerprint(c: ConversationWithMessages): Promise<string> {
  const facts = JSON.stringify([c.createdAt, [...c.messages].sort((a, b) => a.seq - b.seq).map(m => [m.role, m.content, m.createdAt])])
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(facts))
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')
}
