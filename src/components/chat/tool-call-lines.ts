import type { AgentStep } from '../../agent/types'

/** One tool call of an agent turn, as the steps line shows it. */
export interface ToolCallLine {
  callId: string
  name: string
  /** The arguments on one line, cut to {@link SHORT_ARGUMENTS_CHARS} characters with an ellipsis. */
  shortArguments: string
  /** The arguments in full (JSON, indented), shown when the line is opened. */
  arguments: string
  /** `running` until the tool's observation arrives. */
  status: 'running' | 'done' | 'error'
  /** The tool's result (untrusted Markdown), once it arrived. */
  result?: string
  /** The model's thought just before this call, if it wrote one. */
  thought?: string
}

/** How much of the arguments fits the collapsed line. */
export const SHORT_ARGUMENTS_CHARS = 60

function oneLine(args: unknown): string {
  if (typeof args === 'string')
    return args.replace(/\s+/g, ' ')
  if (args && typeof args === 'object' && !Array.isArray(args))
    return Object.entries(args).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')
  return JSON.stringify(args) ?? ''
}

/**
 * Pairs each `tool_call` step with its observation (by call id) and the thought before it. Thoughts with no call
 * after them and the loop's answer are left out: the answer is the reply itself, never repeated.
 */
export function toolCallLines(steps: readonly AgentStep[]): ToolCallLine[] {
  const lines: ToolCallLine[] = []
  let thought: string | undefined
  for (const step of steps) {
    if (step.kind === 'thought') {
      thought = step.text
    }
    else if (step.kind === 'tool_call') {
      const short = oneLine(step.arguments)
      lines.push({
        callId: step.callId,
        name: step.name,
        shortArguments: short.length > SHORT_ARGUMENTS_CHARS ? `${short.slice(0, SHORT_ARGUMENTS_CHARS - 1)}…` : short,
        arguments: typeof step.arguments === 'string' ? step.arguments : JSON.stringify(step.arguments, null, 2),
        status: 'running',
        ...(thought && { thought }),
      })
      thought = undefined
    }
    else if (step.kind === 'observation') {
      const line = lines.find(l => l.callId === step.callId && l.result === undefined)
      if (line)
        Object.assign(line, { status: step.isError ? 'error' : 'done', result: step.content })
    }
  }
  return lines
}
