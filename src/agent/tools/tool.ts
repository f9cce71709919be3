/** What a tool is: a name, a JSON Schema for its arguments, and a function. Framework-free. */

/** What a tool's `run` receives besides its arguments. */
export interface ToolContext {
  /** Fires when the turn is cancelled or the tool's time is up. */
  signal: AbortSignal
}

/** A tool the model may call. Arguments are validated against `parameters` before `run` is called. */
export interface Tool {
  name: string
  /** Told to the model: what the tool does and when to use it. */
  description: string
  /**
   * A few words for the prompt of models without native tool calls, after the tool's signature
   * (`calculator(expression: string) - evaluate arithmetic`). Default: `description`.
   */
  summary?: string
  /**
   * Words of a request that this tool may help with (`/\b(convert|km|miles)\b/i`). A prompted model (schema or text
   * strategy: small local models) is offered the tool only when the person's last message matches; without cues the
   * tool is always offered. See tool-relevance.ts.
   */
  cues?: RegExp
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>
  /** It changes something outside the conversation (saves a note): the loop asks the user first. */
  hasSideEffects?: boolean
  /** Per-call time limit in milliseconds; overrides the registry's default. */
  timeoutMs?: number
  /** The observation the model reads. Throwing is fine: the error becomes an error observation. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<string> | string
}
