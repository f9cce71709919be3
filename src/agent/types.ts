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

/** Why a turn ended. */
export type TurnOutcome = 'answered' | 'step_limit' | 'repeated_call' | 'aborted' | 'error'
