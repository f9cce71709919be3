/**
 * One turn on one service, as the model manager runs it: the request and result shapes, and the runner that answers
 * with the agent loop (tools offered) or a plain reply, recovering a loop that could not finish with a reply without
 * tools. Which service answers, the context fit and the fallback to Gemini stay in model-manager.ts.
 */
import { runPlainTurn } from '../agent/plain-turn'
import { runAgentTurn, type AgentTurn } from '../agent/react-loop'
import { toolsWithinReach } from '../agent/tool-policy'
import type { ConfirmTool } from '../agent/tools/registry'
import type { Tool } from '../agent/tools/tool'
import { isFailedLoop, type AgentStep, type FailedLoopOutcome } from '../agent/types'
import type { AIService, ChatMessage, ModelRef, SamplingSettings, ServiceId } from '../contract/types'
import { withWellFormedText } from '../contract/well-formed'
import { AppError } from '../shared/errors'
import type { HistoryPolicy, HistorySummary } from './history-summary'
import type { ManagerConfig } from './manager-config'

/** One turn's request. */
export interface TurnRequest {
  /** The whole conversation so far, the new user message last. */
  messages: ChatMessage[]
  signal?: AbortSignal
  onStep?: (step: AgentStep) => void
  onDelta?: (text: string) => void
  /**
   * Everything streamed through `onDelta` so far is withdrawn: clear the reply shown. Called when a step's streamed
   * text turned out to be no answer, and before the reply without tools streams after a failed agent loop.
   */
  onAnswerReset?: () => void
  /** Asked before a tool with side effects (saving a note) runs. */
  confirm?: ConfirmTool
  /** Temperature, max tokens... from the settings; unset fields take each backend's defaults. */
  sampling?: SamplingSettings
  /** Run the ReAct loop with the enabled tools (default), or stream a plain reply without tools. */
  useTools?: boolean
  /** When the history no longer fits the context: drop the oldest turns (default) or summarise them. */
  historyPolicy?: HistoryPolicy
  /**
   * The conversation's summary of the messages before `messages` (a summary an earlier turn wrote, kept with the
   * conversation): sent in their place, in the system message.
   */
  historySummary?: string
}

/**
 * One turn's result: the agent turn plus who answered. A failed agent loop never ends a turn: its steps stay in
 * `steps` (and `strategy` stays the loop's), the answer, `messages` and `mode` come from the reply without tools,
 * `metrics` hold both (the loop's first).
 */
export interface TurnResult extends Omit<AgentTurn, 'outcome'> {
  /** A turn is answered, or stopped by the caller. */
  outcome: TurnOutcomeAfterRecovery
  backend: ServiceId
  model: ModelRef
  /** The local backend failed and Gemini answered instead. */
  fellBack: boolean
  /** Set when the agent loop could not finish and the message was answered without tools; `reason` is why. */
  recoveredWithoutTools?: { reason: FailedLoopOutcome }
  /**
   * Set when this turn's history did not fit and the summarise policy replaced its oldest messages by a summary: the
   * caller keeps it with the conversation and passes it as `historySummary` from then on, without those messages.
   */
  summary?: HistorySummary
}

/** What a turn can end as once failed loops are recovered: answered, or aborted by the caller. */
export type TurnOutcomeAfterRecovery = 'answered' | 'aborted'

/** An agent turn as the manager returns it, before `backend`, `model` and `fellBack` are added. */
export type RecoveredTurn = Omit<TurnResult, 'backend' | 'model' | 'fellBack'>

/** What a turn's tools come from (ManagerOptions' `tools` and `extraTools`, and the config of the moment). */
export interface TurnTools {
  config: ManagerConfig
  /** Default: the built-in tools. */
  tools?: () => Tool[]
  /** Tools from MCP servers, the person's switches already applied; must not throw. */
  extraTools?: (signal?: AbortSignal) => Promise<Tool[]>
}

/**
 * Runs the turn on `backend`: the agent loop, or a plain reply without tools. A loop that could not finish is
 * followed by a plain reply to the same messages (not the failed tool messages); an abort is never followed.
 * @throws AppError from the service ('inference_failed', 'aborted'...), and 'inference_failed' for a turn that ends
 *   neither answered nor aborted
 */
export async function runRecoveredTurn(backend: AIService, req: TurnRequest, opts: TurnTools): Promise<RecoveredTurn> {
  // Every request of the turn (history, tool observations, retries) carries well-formed text (contract/well-formed.ts).
  const service = withWellFormedText(backend)
  const { config } = opts
  const { messages, signal, confirm, onStep, onDelta, onAnswerReset, sampling } = req
  if (req.useTools === false)
    return settled(await runPlainTurn(messages, { service, signal, onDelta, sampling }))
  const extra = await opts.extraTools?.(signal) ?? []
  // The tools' code (calculator parser, generated validators) loads with the first turn that may use tools (bench `shell`).
  const { builtinTools, ToolRegistry } = await import('../agent/tools/registry')
  const own = opts.tools?.() ?? builtinTools()
  // A prompted local model is not offered the built-in tools the eval found out of its reach (tool-policy.ts).
  const within = toolsWithinReach(config.enabledTools ?? own.map(t => t.name), service.capabilities, config.toolUse)
  const tools = new ToolRegistry([...own, ...extra], {
    enabled: [...within, ...extra.map(t => t.name)],
    timeoutMs: config.toolTimeoutMs,
    // Tools other than the built-in ones (MCP's, a caller's) bring JSON Schemas compiled here; @cfworker/json-schema
    // loads only then, not with the page (bench `shell`).
    ...((extra.length > 0 || opts.tools) && { compile: (await import('../agent/tools/mcp/schema')).compileWithoutEval }),
  })
  const loop = await runAgentTurn(messages, { service, tools, stepLimit: config.stepLimit, signal, confirm, onStep, onDelta, onAnswerReset, sampling })
  if (!isFailedLoop(loop.outcome))
    return settled(loop)
  onAnswerReset?.()
  // Computed afresh, not on top of the loop's KV cache: that cache holds the tool prompt, which shares nothing with
  // the chat prompt past its first tokens, and on SmolLM2-135M the reused prefix tipped the greedy first token of
  // "What is the capital of France?" from "The" (Paris) to "L'" (French gibberish) in e2e instruct.spec.ts.
  const plain = await runPlainTurn(messages, { service, signal, onDelta, sampling, promptReuse: false })
  return {
    ...settled(plain),
    steps: loop.steps,
    strategy: loop.strategy,
    metrics: [...loop.metrics, ...plain.metrics],
    ...((loop.reasoning || plain.reasoning) && { reasoning: [loop.reasoning, plain.reasoning].filter(Boolean).join('\n\n') }),
    recoveredWithoutTools: { reason: loop.outcome },
  }
}

/** A turn that is answered or aborted, typed so. A failed loop never gets here; 'error' is no outcome any turn sets. */
function settled(turn: AgentTurn): RecoveredTurn {
  if (turn.outcome !== 'answered' && turn.outcome !== 'aborted')
    throw new AppError('inference_failed', `The assistant could not finish this answer (${turn.outcome}).`)
  return { ...turn, outcome: turn.outcome }
}
