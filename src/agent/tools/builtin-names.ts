/**
 * What the page needs to know about the built-in tools without loading them (their code, the calculator's parser and
 * the generated validators load with the first turn that uses tools: bench `shell`). registry.test checks that these
 * names are the registry's.
 */

/** The built-in tools' names, in the order registry.ts `builtinTools()` gives them. */
export const BUILTIN_TOOL_NAMES: readonly string[] = ['calculator', 'datetime', 'convert_units', 'save_note', 'search_notes']

/** Default per-call time limit, in milliseconds. */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000
