/**
 * Export and import of conversations as JSON. An import is validated against the JSON Schema in export-schema.ts with
 * ajv (the maintained JSON Schema validator, already used for tool arguments) before anything is stored, and is
 * stored in one IndexedDB transaction: a bad file changes nothing. The validator is ajv's standalone code generated
 * ahead of time (export-validator.generated.ts), so no schema is compiled with `new Function` under the app's CSP.
 * Framework-free.
 */
import type { ErrorObject, ValidateFunction } from 'ajv'
import { AppError } from '../shared/errors'
import { validate as generatedValidate } from './export-validator.generated'
import { withParents } from './branches'
import { newId, type ConversationWithMessages } from './types'
import { checkImportSize, invalid, type ConversationExport } from './export-format'

export { checkImportSize, conversationFingerprint, MAX_IMPORT_BYTES, toExportJson, type ConversationExport } from './export-format'

/**
 * Deepest nesting of `[` and `{` accepted in a file. The export format itself nests 8 levels (file, list,
 * conversation, messages, message, steps, step, tool arguments); the rest is room for tool arguments. Checked on the
 * text before it is parsed, so a 10 KB file nested 5,000 deep never reaches the parser, the schema or IndexedDB.
 */
export const MAX_IMPORT_DEPTH = 32

const validator = generatedValidate as unknown as ValidateFunction

function validate(data: unknown): ErrorObject[] {
  return validator(data) ? [] : (validator.errors ?? [])
}

/** Where in the file, in words: "conversation 2, message 5". */
function place(instancePath: string): string {
  const conversation = /^\/conversations\/(\d+)/.exec(instancePath)
  const message = /\/messages\/(\d+)/.exec(instancePath)
  if (!conversation)
    return 'the file'
  return [`conversation ${Number(conversation[1]) + 1}`, message && `message ${Number(message[1]) + 1}`].filter(Boolean).join(', ')
}

/**
 * The first schema problem in a person's words (never ajv's own: "must have required property 'format'" says
 * nothing to someone who picked the wrong file).
 */
function describeError(error: ErrorObject): string {
  const path = error.instancePath
  const params = error.params as Record<string, unknown>
  if (path === '' && error.keyword === 'required')
    return params.missingProperty === 'format' || params.missingProperty === 'version' ? 'it was not made with Export in this app' : `it lacks its "${String(params.missingProperty)}" list`
  if (path === '/format' || path === '')
    return 'it was not made with Export in this app'
  if (path === '/version')
    return 'it was written by a newer version of this app; update the app, then import it again'
  const where = place(path)
  switch (error.keyword) {
    case 'required': return `${where} lacks its "${String(params.missingProperty)}"`
    case 'additionalProperties': return `${where} has a field this app does not write ("${String(params.additionalProperty)}")`
    case 'maxLength': return `${where} has a text longer than ${String(params.limit)} characters`
    case 'maxItems': return `${where} has more than ${String(params.limit)} entries`
    case 'type': return `${where} has a value of the wrong kind`
    default: return `${where} has a value this app does not write`
  }
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
 * here; a message's parent and a conversation's leaf follow their messages to the new ids (a version 1 file, or a
 * parent the file does not hold, follows the message before it). A reply that was still streaming when exported
 * becomes `interrupted`. Every message is marked `imported`
 * (whatever the file says): its roles, backend labels and tool steps are the file's claims, which history.ts never
 * replays as a system prompt or tool results and the chat shows as imported.
 * @param fileName named in the error, so the person knows which file was refused
 * @throws AppError 'import_invalid' naming the first problem found, in plain words.
 */
export function parseExport(json: string, now = Date.now(), fileName?: string): ConversationWithMessages[] {
  checkImportSize(json.length, fileName) // characters: never more than the file's UTF-8 bytes
  if (nestingDepth(json) > MAX_IMPORT_DEPTH)
    throw invalid(`it nests values more than ${MAX_IMPORT_DEPTH} levels deep, which no export does`, fileName)
  let data: unknown
  try {
    data = JSON.parse(json)
  }
  catch (err) {
    throw new AppError('import_invalid', invalid('it is not JSON', fileName).message, { cause: err })
  }
  const errors = validate(data)
  if (errors[0])
    throw invalid(describeError(errors[0]), fileName)
  return (data as ConversationExport).conversations.map((c) => {
    const id = newId()
    const ids = new Map(c.messages.map(m => [m.id, newId()]))
    const messages = c.messages.map((m, seq) => {
      const parent = m.parentId === null ? null : (m.parentId !== undefined && ids.get(m.parentId)) || undefined
      return {
        ...m,
        id: ids.get(m.id) ?? newId(),
        conversationId: id,
        seq,
        parentId: parent,
        status: m.status === 'streaming' ? 'interrupted' as const : m.status,
        imported: true,
      }
    })
    // The leaf follows its message to its new id; one the file does not hold is dropped (the newest branch shows).
    const { leafId: fileLeaf, ...header } = c
    const leafId = fileLeaf === undefined ? undefined : ids.get(fileLeaf)
    return { ...header, id, ...(leafId && { leafId }), updatedAt: Math.min(c.updatedAt, now), messages: withParents(messages) }
  })
}
