/**
 * Export and import of conversations as JSON. An import is validated against the JSON Schema in export-schema.ts with
 * ajv (the maintained JSON Schema validator, already used for tool arguments) before anything is stored, and is
 * stored in one IndexedDB transaction: a bad file changes nothing. The validator is ajv's standalone code generated
 * ahead of time (export-validator.generated.ts), so no schema is compiled with `new Function` under the app's CSP.
 * Framework-free.
 */
import type { ErrorObject, ValidateFunction } from 'ajv'
import { AppError } from '../protocol/errors'
import { EXPORT_FORMAT, EXPORT_VERSION } from './export-schema'
import { validate as generatedValidate } from './export-validator.generated'
import { newId, type ConversationWithMessages, type StoredMessage } from './types'

/** The exported file as JSON data. */
export interface ConversationExport {
  format: typeof EXPORT_FORMAT
  version: typeof EXPORT_VERSION
  /** ISO 8601 time of the export. */
  exportedAt: string
  conversations: Array<Omit<ConversationWithMessages, 'messages'> & { messages: Array<Omit<StoredMessage, 'conversationId' | 'seq'>> }>
}

const validator = generatedValidate as unknown as ValidateFunction

function validate(data: unknown): ErrorObject[] {
  return validator(data) ? [] : (validator.errors ?? [])
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

function describeError(error: ErrorObject): string {
  const where = error.instancePath || 'the file'
  const allowed = error.params && 'allowedValues' in error.params ? ` (${String(error.params.allowedValues)})` : ''
  return `${where} ${error.message ?? 'is invalid'}${allowed}`
}

/**
 * Parses and validates an export. The result gets fresh ids, so an import never overwrites a conversation already
 * here; a reply that was still streaming when exported becomes `interrupted`. Every message is marked `imported`
 * (whatever the file says): its roles, backend labels and tool steps are the file's claims, which history.ts never
 * replays as a system prompt or tool results and the chat shows as imported.
 * @throws AppError 'import_invalid' naming the first problem found.
 */
export function parseExport(json: string, now = Date.now()): ConversationWithMessages[] {
  let data: unknown
  try {
    data = JSON.parse(json)
  }
  catch (err) {
    throw new AppError('import_invalid', `The file is not JSON: ${(err as Error).message}`, { cause: err })
  }
  const errors = validate(data)
  if (errors[0])
    throw new AppError('import_invalid', `The file is not a conversations export: ${describeError(errors[0])}.`)
  return (data as ConversationExport).conversations.map((c) => {
    const id = newId()
    return {
      ...c,
      id,
      updatedAt: Math.min(c.updatedAt, now),
      messages: c.messages.map((m, seq) => ({
        ...m,
        id: newId(),
        conversationId: id,
        seq,
        status: m.status === 'streaming' ? 'interrupted' : m.status,
        imported: true,
      })),
    }
  })
}
