/**
 * The agent transcript: the same shape whichever backend answered, rendered step by step by the UI.
 * Framework-free: no Vue, Pinia or DOM.
 */

/** One step of a ReAct turn. */
export type AgentStep =
  | { kind: 'thought', text: string }
  | { kind: 'tool_call', callId: string, name: string, arguments: unknown }
  | { kind: 'observation', callId: string, name: string, content: string, isError: boolean }
  | { kind: 'answer', text: string }

/**
 * Why a turn ended. `step_limit`, `repeated_call` and `invalid_calls` are a loop that could not finish (see
 * {@link FailedLoopOutcome}); `invalid_calls`: the model made {@link MAX_INVALID_STEPS}-many invalid calls or steps
 * (an unknown tool, arguments that are not JSON or fail the tool's schema, a reply that is no step).
 */
export type TurnOutcome = 'answered' | 'step_limit' | 'repeated_call' | 'invalid_calls' | 'aborted' | 'error'

/** The endings of a ReAct loop that could not finish; the manager then answers without tools. */
export type FailedLoopOutcome = Extract<TurnOutcome, 'step_limit' | 'repeated_call' | 'invalid_calls'>

/** Invalid tool calls or malformed steps that end a turn with `invalid_calls` (the second one does). */
export const MAX_INVALID_STEPS = 2

/** True for an outcome of a loop that could not finish. */
export function isFailedLoop(outcome: TurnOutcome): outcome is FailedLoopOutcome {
  return outcome === 'step_limit' || outcome === 'repeated_call' || outcome === 'invalid_calls'
}
