/**
 * Export and import of conversations as JSON. An import is validated against the JSON Schema in export-schema.ts with
 * ajv (the maintained JSON Schema validator, already used for tool arguments) before anything is stored, and is
 * stored in one IndexedDB transaction: a bad file changes nothing. The validator is ajv's standalone code generated
 * ahead of time (export-validator.generated.ts), so no schema is compiled with `new Function` under the app's CSP.
 * Framework-free.
 */
import type { ErrorObject, ValidateFunction } from 'ajv'
import { AppError } from '../shared/errors'
import { EXPORT_FORMAT, EXPORT_VERSION } from './export-schema'
import { validate as generatedValidate } from './export-validator.generated'
import { newId, type ConversationWithMessages, type StoredMessage } from './types'

/**
 * Largest file Import reads, in bytes (100 MiB): far above years of text conversations, small enough to parse in a tab.
 * Checked before the file is read, and again on its text.
 */
export const MAX_IMPORT_BYTES = 100 * 2 ** 20
/**
 * Deepest nesting of `[` and `{` accepted in a file. The export format itself nests 8 levels (file, list,
 * conversation, messages, message, steps, step, tool arguments); the rest is room for tool arguments. Checked on the
 * text before it is parsed, so a 10 KB file nested 5,000 deep never reaches the parser, the schema or IndexedDB.
 */
export const MAX_IMPORT_DEPTH = 32

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

function invalid(problem: string): AppError {
  return new AppError('import_invalid', `The file is not a conversations export: ${problem}. Nothing was imported.`)
}

/** @throws AppError 'import_invalid' when a file of `sizeBytes` is too large to import. */
export function checkImportSize(sizeBytes: number): void {
  if (sizeBytes > MAX_IMPORT_BYTES)
    throw invalid(`it is ${(sizeBytes / 2 ** 20).toFixed(1)} MiB, and at most ${MAX_IMPORT_BYTES / 2 ** 20} MiB are read`)
}

/**
 * How deeply `json` nests arrays and objects, stopping as soon as it passes `limit`: one pass over the text, no
 * recursion, so no depth can overflow a stack. Brackets inside strings do not count.
 */
export function nestingDepth(json: string, limit = MAX_IMPORT_DEPTH): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (inString) {
      if (c === 0x5C) // backslash: the next character is escaped
        i++
      else if (c === 0x22)
        inString = false
    }
    else if (c === 0x22) {
      inString = true
    }
    else if (c === 0x5B || c === 0x7B) {
      deepest = Math.max(deepest, ++depth)
      if (deepest > limit)
        return deepest
    }
    else if (c === 0x5D || c === 0x7D) {
      depth--
    }
  }
  return deepest
}

/**
 * Parses and validates an export. Size and nesting are checked on the text first, so a file too big or too deep is
 * refused as invalid before it is parsed, validated or stored. The result gets fresh ids, so an import never overwrites a conversation already
 * here; a reply that was still streaming when exported becomes `interrupted`. Every message is marked `imported`
 * (whatever the file says): its roles, backend labels and tool steps are the file's claims, which history.ts never
 * replays as a system prompt or tool results and the chat shows as imported.
 * @throws AppError 'import_invalid' naming the first problem found.
 */
export function parseExport(json: string, now = Date.now()): ConversationWithMessages[] {
  checkImportSize(json.length) // characters: never more than the file's UTF-8 bytes
  if (nestingDepth(json) > MAX_IMPORT_DEPTH)
    throw invalid(`it nests values more than ${MAX_IMPORT_DEPTH} levels deep, which no export does`)
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
