/**
 * A GBNF grammar (llama.cpp's grammar format, which wllama takes as `grammar` in its sampling parameters) for one
 * prompted step: exactly `{"tool": "<name>", "arguments": {...}}` for one of the listed tools, with that tool's argument
 * shape, or `{"tool": "final_answer", "answer": "..."}`. Compared with the JSON Schema the step used to send (compiled
 * to a grammar by llama.cpp), the grammar fixes the layout (one space after each colon and comma, the keys in the
 * prompt's order), so a tiny model spends no tokens on whitespace or key order, and the tool is chosen by the step's
 * first free tokens, before any thought. Strings stay bounded by the schema's `maxLength` (and `maxStringChars`), so
 * even a rambling model closes its step.
 *
 * Supported argument schemas: objects with `properties` (required keys first, in order; then each optional key, in
 * order, may appear), strings (`enum`, `minLength`, `maxLength`), numbers, integers, booleans, arrays of those, and
 * `const`. Anything else (nested `anyOf`, patterns...) becomes any JSON value; the registry's validator still checks it.
 */
import { FINAL } from './text-parser'

export interface StepGrammarOptions {
  /** Longest final answer, in characters (at most {@link MAX_GRAMMAR_REPETITION}; a cut answer is still kept). */
  maxAnswerChars: number
  /** Longest argument string when its schema gives no `maxLength`. Default 200. */
  maxStringChars?: number
}

/** The tool's name and its arguments' JSON Schema, as ToolRegistry.definitions() gives them. */
export interface GrammarTool {
  name: string
  parameters: Record<string, unknown>
}

/**
 * Longest repetition written as `x{m,n}`. llama.cpp refuses a grammar whose repeated rules times repetitions exceed
 * MAX_REPETITION_THRESHOLD (2000; llama-grammar.cpp: "number of rules that are going to be repeated multiplied by the
 * new repetition exceeds sane defaults"): `char{1,2000}`, the old default answer bound, does not parse; 1999 does
 * (checked with node-llama-cpp on SmolLM2). Kept well below.
 */
export const MAX_GRAMMAR_REPETITION = 1000

const CHAR = String.raw`[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`
const BASE_RULES = [
  `char ::= ${CHAR}`,
  'number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,15})?',
  'integer ::= "-"? ("0" | [1-9] [0-9]{0,15})',
  'boolean ::= "true" | "false"',
  // Any JSON value, for argument schemas this builder does not model; depth-limited by the token cap.
  'value ::= object | array | string-any | number | boolean | "null"',
  'object ::= "{" ( string-any ": " value (", " string-any ": " value)* )? "}"',
  'array ::= "[" ( value (", " value)* )? "]"',
  'string-any ::= "\\"" char{0,200} "\\""',
]

/** A GBNF literal for `text` (a JSON fragment): quotes and backslashes escaped. */
function literal(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

class Builder {
  private readonly rules: string[] = []
  private count = 0
  constructor(private readonly maxStringChars: number) {}

  /** A new rule named after `hint`; returns its name. */
  add(hint: string, body: string): string {
    const name = `${hint.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'r'}-${this.count++}`
    this.rules.push(`${name} ::= ${body}`)
    return name
  }

  /** The GBNF expression for a value of `schema`. */
  value(schema: unknown, hint: string): string {
    if (!schema || typeof schema !== 'object')
      return 'value'
    const s = schema as Record<string, unknown>
    if ('const' in s)
      return literal(JSON.stringify(s.const))
    if (Array.isArray(s.enum))
      return `(${s.enum.map(v => literal(JSON.stringify(v))).join(' | ')})`
    const type = Array.isArray(s.type) && s.type.length === 1 ? s.type[0] : s.type
    switch (type) {
      case 'string': return this.string(s, hint)
      case 'number': return 'number'
      case 'integer': return 'integer'
      case 'boolean': return 'boolean'
      case 'object': return this.object(s, hint)
      case 'array': {
        const item = this.value(s.items, `${hint}-item`)
        return this.add(`${hint}-array`, `"[" ( ${item} (", " ${item})* )? "]"`)
      }
      default: return 'value'
    }
  }

  private string(s: Record<string, unknown>, hint: string): string {
    const min = typeof s.minLength === 'number' ? Math.max(0, Math.floor(s.minLength)) : 0
    const max = Math.min(Math.max(min, Math.min(typeof s.maxLength === 'number' ? Math.floor(s.maxLength) : this.maxStringChars, this.maxStringChars)), MAX_GRAMMAR_REPETITION)
    return this.add(`${hint}-string`, `"\\"" char{${min},${max}} "\\""`)
  }

  /** `{"a": ..., "b": ...}` with the required keys in order, then each optional key (in order) or not. */
  object(s: Record<string, unknown>, hint: string): string {
    const properties = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, unknown>
    const required = new Set(Array.isArray(s.required) ? s.required as string[] : [])
    const keys = Object.keys(properties)
    const member = (key: string) => `${literal(`${JSON.stringify(key)}: `)} ${this.value(properties[key], `${hint}-${key}`)}`
    const must = keys.filter(k => required.has(k)).map(member)
    const may = keys.filter(k => !required.has(k)).map(member)
    if (!must.length && !may.length)
      return '"{}"'
    if (must.length) {
      const optional = may.map(m => `(", " ${m})?`).join(' ')
      return this.add(`${hint}-object`, `"{" ${must.join(' ", " ')} ${optional} "}"`)
    }
    // Only optional keys: none, or a non-empty subsequence in order.
    const tail = may.map((m, i) => this.add(`${hint}-opt`, `${m} ${may.slice(i + 1).map(n => `(", " ${n})?`).join(' ')}`))
    return this.add(`${hint}-object`, `"{" ( ${tail.join(' | ')} )? "}"`)
  }

  toString(root: string): string {
    return [`root ::= ${root}`, ...this.rules, ...BASE_RULES].join('\n')
  }
}

/**
 * The grammar of one step over `tools`. With no tools, only a final answer is allowed.
 * Output example: `{"tool": "calculator", "arguments": {"expression": "12 * 7"}}`.
 */
export function stepGrammar(tools: readonly GrammarTool[], opts: StepGrammarOptions): string {
  const b = new Builder(opts.maxStringChars ?? 200)
  const steps = tools.map(t => b.add(`call-${t.name}`, `${literal(`{"tool": ${JSON.stringify(t.name)}, "arguments": `)} ${b.object(t.parameters, t.name)} "}"`))
  const answer = b.add('answer', `${literal(`{"tool": "${FINAL}", "answer": "`)} char{1,${Math.min(Math.max(1, opts.maxAnswerChars), MAX_GRAMMAR_REPETITION)}} "\\"}"`)
  return b.toString([...steps, answer].join(' | '))
}
