/**
 * The tools the model may call. Arguments are validated against each tool's JSON Schema with ajv (the maintained,
 * standard JSON Schema validator) before the tool runs; each call has a time limit; a tool with side effects runs only
 * after the user confirms. Every failure comes back as an error observation for the model, never as an exception.
 */
import type { ValidateFunction } from 'ajv'
import type { ToolDefinition } from '../../contract/types'
import { calculatorTool } from './calculator'
import { dateTimeTool } from './datetime'
import { saveNoteTool, searchNotesTool } from './notes'
import type { Tool } from './tool'
import { unitsTool } from './units'
import { PRECOMPILED } from './validators'
import { DEFAULT_TOOL_TIMEOUT_MS } from './builtin-names'

export { DEFAULT_TOOL_TIMEOUT_MS }

/** The built-in tools, in the order the model sees them. */
export function builtinTools(): Tool[] {
  return [calculatorTool, dateTimeTool(), unitsTool, saveNoteTool, searchNotesTool]
}

/** The built-in tools' schemas by name: a tool gets its precompiled validator only if its schema is this one. */
const BUILTIN_SCHEMAS = new Map(builtinTools().map(t => [t.name, t.parameters]))

/** Asked before a tool with side effects runs; resolve false to refuse. */
export type ConfirmTool = (request: { name: string, args: Record<string, unknown> }) => Promise<boolean>

/** Why a call was not even valid: it names no enabled tool, or its arguments fail the tool's schema. */
export type InvalidCall = 'unknown_tool' | 'invalid_arguments'

/** What a call produced: the observation text for the model, and whether it is an error. */
export interface ToolResult {
  content: string
  isError: boolean
  /** Set when the call itself was invalid (the tool never ran); the loop ends a turn after a few of these. */
  invalid?: InvalidCall
}

export interface RegistryOptions {
  /** Names of the tools switched on; undefined means all. */
  enabled?: readonly string[]
  /** Per-call limit in milliseconds. Default {@link DEFAULT_TOOL_TIMEOUT_MS}. */
  timeoutMs?: number
  /**
   * Compiles the schema of a tool that is not built in. The app has none: its validators are generated ahead of time,
   * because ajv's runtime compiler uses `new Function`, which the CSP forbids (and it would put ajv in the first-load
   * bundle). Node code and tests pass `new Ajv().compile`.
   */
  compile?: (schema: Record<string, unknown>) => ValidateFunction
}

export class ToolRegistry {
  private readonly tools = new Map<string, { tool: Tool, validate: ValidateFunction }>()
  private readonly timeoutMs: number
  /** Tools whose validator was compiled at runtime (not precompiled); empty for the built-in tools. */
  readonly compiledAtRuntime: string[] = []

  constructor(tools: Tool[] = builtinTools(), opts: RegistryOptions = {}) {
    for (const tool of tools) {
      if (opts.enabled && !opts.enabled.includes(tool.name))
        continue
      const builtin = BUILTIN_SCHEMAS.get(tool.name) === tool.parameters ? PRECOMPILED[tool.name] : undefined
      if (!builtin)
        this.compiledAtRuntime.push(tool.name)
      const validate = builtin ?? opts.compile?.(tool.parameters)
      if (!validate)
        throw new Error(`The tool "${tool.name}" has no precompiled validator; pass \`compile\` to validate its arguments.`)
      this.tools.set(tool.name, { tool, validate })
    }
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS
  }

  /** Names of the tools switched on. */
  get names(): string[] {
    return [...this.tools.keys()]
  }

  /** The enabled tool called `name`, if any. */
  get(name: string): Tool | undefined {
    return this.tools.get(name)?.tool
  }

  /** The enabled tools, in order. */
  list(): Tool[] {
    return [...this.tools.values()].map(e => e.tool)
  }

  /** A registry with only the tools named (same validators and time limit), in this registry's order. */
  only(names: readonly string[]): ToolRegistry {
    const subset = new ToolRegistry([], { timeoutMs: this.timeoutMs })
    for (const [name, entry] of this.tools) {
      if (names.includes(name))
        subset.tools.set(name, entry)
    }
    return subset
  }

  /** The tools in the OpenAI chat shape, for backends with native tool calls. */
  definitions(): ToolDefinition[] {
    return [...this.tools.values()].map(({ tool }) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }))
  }

  /** Validates, confirms, runs with a time limit. Never throws: every failure is an error observation. */
  async execute(name: string, args: unknown, opts: { signal?: AbortSignal, confirm?: ConfirmTool } = {}): Promise<ToolResult> {
    const entry = this.tools.get(name)
    if (!entry)
      return { ...fail(`There is no tool "${name}". Available: ${this.names.join(', ') || 'none'}.`), invalid: 'unknown_tool' }
    if (!entry.validate(args))
      return { ...fail(`Invalid arguments for ${name}: ${entry.validate.errors?.map(e => `${e.instancePath || '(root)'} ${e.message}`).join('; ')}.`), invalid: 'invalid_arguments' }
    const valid = args as Record<string, unknown>
    if (entry.tool.hasSideEffects && !(await opts.confirm?.({ name, args: valid })))
      return fail(`The user did not allow ${name} to run.`)
    return this.runWithTimeout(entry.tool, valid, opts.signal)
  }

  private async runWithTimeout(tool: Tool, args: Record<string, unknown>, outer?: AbortSignal): Promise<ToolResult> {
    const timeoutMs = tool.timeoutMs ?? this.timeoutMs
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort = () => {}
    // Whichever comes first ends the call: the tool, its time limit, or the turn being cancelled.
    const stopped = new Promise<ToolResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort()
        resolve(fail(`${tool.name} did not finish within ${timeoutMs} ms.`))
      }, timeoutMs)
      onAbort = () => {
        controller.abort()
        resolve(fail(`${tool.name} was cancelled.`))
      }
      if (outer?.aborted)
        onAbort()
      outer?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      const ran = Promise.resolve().then(() => tool.run(args, { signal: controller.signal }))
        .then(content => ({ content, isError: false }), (err: unknown) => fail(`${tool.name} failed: ${err instanceof Error ? err.message : String(err)}`))
      return await Promise.race([ran, stopped])
    }
    finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    }
  }
}

function fail(content: string): ToolResult {
  return { content, isError: true }
}
