/**
 * Text the person typed (or a tool returned, or a file imported) must reach the model as plain text. wllama 3.8 runs
 * llama-server's chat path: the template is rendered to one string and tokenised with `parse_special = true`
 * (`tokenize_input_prompts(..., add_special, parse_special = true)`), so a `</s>` typed in a message became one EOS
 * token (20 copies: 20 tokens on llama-2-tiny-random instead of 41 as text) and `<|im_end|>` ended a ChatML turn.
 * wllama offers no tokenize call and no way to mark message text as plain, so the fix is at the text: every string of
 * the model's own special tokens (GGUF token types CONTROL and UNKNOWN, the ones llama.cpp matches only when parsing
 * special tokens) gets a zero-width space after its first character in message text. The template's own markers are
 * added after that, by the template, and stay special. Measured in tests/unit/engines/special-tokens.test.ts.
 */
import { Cursor, SCALAR_BYTES } from '../../../models/gguf-cursor'
import { GGUF_VALUE_TYPES, type ByteSource, type GgufValueTypeName } from '../../../models/gguf-types'

/** GGUF `tokenizer.ggml.token_type` values llama.cpp turns into special tokens only with parse_special. */
const UNKNOWN = 2
const CONTROL = 3
/** Inserted after a special token's first character: invisible, and no token string contains it. */
export const BREAK = '\u200B'
const MAX_STRING_BYTES = 64 * 1024 * 1024
const MAX_ARRAY_LENGTH = 2 ** 28

/**
 * The strings of the model's CONTROL and UNKNOWN tokens (`<s>`, `</s>`, `<|im_end|>`...), longest first, read from the
 * GGUF header. Empty when the file has no token types. One-character tokens are left out: nothing can split them.
 */
export async function readSpecialTokens(src: ByteSource): Promise<string[]> {
  const cur = new Cursor(src)
  await cur.need(24, 'the GGUF preamble')
  cur.skip(8, 'the GGUF magic and version')
  cur.u64(Number.MAX_SAFE_INTEGER, 'the tensor count')
  const kvCount = cur.u64(2 ** 16, 'the metadata count')
  let tokens: string[] | undefined
  let types: number[] | undefined
  for (let i = 0; i < kvCount && !(tokens && types); i++) {
    const key = await readString(cur, 'a metadata key')
    const type = await readType(cur)
    if ((key === 'tokenizer.ggml.tokens' || key === 'tokenizer.ggml.token_type') && type === 'array') {
      const values = await readFlatArray(cur, key)
      if (key === 'tokenizer.ggml.tokens')
        tokens = values.map(String)
      else
        types = values.map(Number)
    }
    else {
      await skipValue(cur, type, key)
    }
  }
  if (!tokens || !types)
    return []
  const special = tokens.filter((t, i) => (types[i] === CONTROL || types[i] === UNKNOWN) && [...t].length > 1)
  return [...new Set(special)].sort((a, b) => b.length - a.length)
}

/** A function that breaks every special-token string in a text, or the identity when there are none. */
export function neutraliser(specialTokens: readonly string[]): (text: string) => string {
  if (!specialTokens.length)
    return text => text
  const pattern = new RegExp(specialTokens.map(escapeRegExp).join('|'), 'g')
  return text => text.replace(pattern, (token) => {
    const first = String.fromCodePoint(token.codePointAt(0)!)
    return first + BREAK + token.slice(first.length)
  })
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function readString(cur: Cursor, what: string): Promise<string> {
  await cur.need(8, what)
  const length = cur.u64(MAX_STRING_BYTES, `the length of ${what}`)
  await cur.need(length, what)
  return cur.text(length)
}

async function readType(cur: Cursor): Promise<GgufValueTypeName> {
  await cur.need(4, 'a value type')
  const type = GGUF_VALUE_TYPES[cur.u32()]
  if (type === undefined)
    throw new Error('The GGUF header has an unknown value type.')
  return type
}

/** An array of strings or scalars, kept whole (the vocabulary). */
async function readFlatArray(cur: Cursor, key: string): Promise<Array<string | number | bigint | boolean>> {
  const elementType = await readType(cur)
  await cur.need(8, key)
  const length = cur.u64(MAX_ARRAY_LENGTH, `the length of ${key}`)
  const out: Array<string | number | bigint | boolean> = []
  for (let i = 0; i < length; i++) {
    if (elementType === 'string') {
      out.push(await readString(cur, key))
    }
    else {
      await cur.need(SCALAR_BYTES[elementType] ?? 0, key)
      out.push(cur.scalar(elementType))
    }
  }
  return out
}

async function skipValue(cur: Cursor, type: GgufValueTypeName, key: string): Promise<void> {
  if (type === 'string') {
    await cur.need(8, key)
    cur.skip(cur.u64(MAX_STRING_BYTES, key), key)
    return
  }
  if (type !== 'array') {
    cur.skip(SCALAR_BYTES[type] ?? 0, key)
    return
  }
  const elementType = await readType(cur)
  await cur.need(8, key)
  const length = cur.u64(MAX_ARRAY_LENGTH, key)
  const bytes = SCALAR_BYTES[elementType]
  if (bytes !== undefined) {
    cur.skip(bytes * length, key)
    return
  }
  for (let i = 0; i < length; i++)
    await skipValue(cur, elementType, key)
}
