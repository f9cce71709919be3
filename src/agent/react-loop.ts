/**
 * The ReAct loop, one implementation for every backend: ask the model for a step, run the tool it calls, feed the
 * observation back, repeat until it answers. Bounded by a step limit; a call repeated with the same arguments is
 * not run again (a schema step after it may only answer; a second repeat ends the turn); invalid calls and malformed steps end it the second time
 * (`invalid_calls`); cancellation is honoured before and during every step. A loop that cannot finish returns its
 * outcome; the ModelManager then answers the message without tools.
 * The transcript (AgentStep[]) has the same shape whichever backend or strategy answered.
 */
import { AnswerStreamer } from './answer-stream'
import { AppError } from '../shared/errors'
import type { AIService, ChatMessage, ChatSummary, RequestMetrics, SamplingSettings, ToolCall } from '../contract/types'
import { buildRequest, chooseStrategy, parseReply, type StepBounds, type StrategyKind } from './strategies'
import type { ParsedStep } from './text-parser'
import { lastUserText, relevantTools } from './tool-relevance'
import { recordEnding, runPlainTurn } from './plain-turn'
import { NOTE_READING_TOOLS, askNotesToCloud } from './tools/notes'
import type { ConfirmTool, ToolRegistry } from './tools/registry'
import { MAX_INVALID_STEPS, type AgentStep, type TurnOutcome } from './types'

export const DEFAULT_STEP_LIMIT = 6
/** How the observation of a repeated call begins. */
const REPEAT_NOTE = 'You already called'
/**
 * Tool calls run from one model reply. A reply with more (a model that emitted 200 calls at once) has the first ones
 * run and the rest refused, in one observation the model reads.
 */
export const DEFAULT_MAX_CALLS_PER_STEP = 8

export interface AgentOptions {
  service: AIService
  tools: ToolRegistry
  /** Default: chosen from the service's capabilities. */
  strategy?: StrategyKind
  /** Model requests per turn. Default {@link DEFAULT_STEP_LIMIT}. */
  stepLimit?: number
  /** Tool calls run from one reply; the rest are refused. Default {@link DEFAULT_MAX_CALLS_PER_STEP}. */
  maxCallsPerStep?: number
  signal?: AbortSignal
  /** Asked before a tool with side effects runs. Without it, such tools are refused. */
  confirm?: ConfirmTool
  /** Each step as it happens, for the UI. */
  onStep?: (step: AgentStep) => void
  /** Answer text as it streams (native steps' text; a schema step's `answer` as it is written). */
  onDelta?: (text: string) => void
  /**
   * The text streamed through `onDelta` during the last step is withdrawn: the step turned out to be no answer (a
   * tool call after some text, a rejected answer). The UI clears what it showed.
   */
  onAnswerReset?: () => void
  sampling?: SamplingSettings
  /** String bounds of a schema step. Default DEFAULT_STEP_BOUNDS. */
  stepBounds?: StepBounds
}

/** A finished turn (of the ReAct loop, or of a plain turn without tools). */
export interface AgentTurn {
  steps: AgentStep[]
  /** The final answer; empty unless `outcome` is 'answered'. */
  answer: string
  outcome: TurnOutcome
  /** The messages this turn adds to the conversation (tool calls and results included), OpenAI-shaped. */
  messages: ChatMessage[]
  /** How the prompt was built (plain turns on local models): chat template or text continuation. */
  mode?: ChatSummary['mode']
  /** How tool calls were asked for; `plain` when the turn ran without tools. */
  strategy: StrategyKind | 'plain'
  /** One entry per model request. */
  metrics: RequestMetrics[]
  /** How the final request ended, when not a plain stop (length, content filter, stalled...). */
  finishReason?: ChatSummary['finishReason']
  /** What the person should read under the reply (the final request's notice: reason and next step). */
  notice?: ChatSummary['notice']
  /** The model's reasoning over the whole turn, apart from the answer (each request's, joined). */
  reasoning?: string
}

/**
 * Runs one turn. Expected endings (answer, step limit, repeated call, cancel) are values in `outcome`.
 * @throws AppError from the service (load, network, crash...) so a caller can fall back to another backend.
 */
export async function runAgentTurn(history: ChatMessage[], options: AgentOptions): Promise<AgentTurn> {
  const strategy = options.strategy ?? chooseStrategy(options.service.capabilities)
  // A prompted model (small local ones) sees only the tools the request may need (tool-relevance.ts).
  const opts = strategy === 'native' ? options : { ...options, tools: relevantTools(options.tools, lastUserText(history)) }
  // Nothing to offer it: a plain chat reply. Issue 19's eval on SmolLM2-135M: answering through the JSON step's
  // final_answer gave "Lady Macbeth" for "Who wrote Romeo and Juliet?" and "10" for a spider's legs (4 of 8 no-tool
  // questions wrong); docs/agent.md has the before and after. Computed afresh, as the plain reply after a failed
  // loop (orchestrator/turn-runner.ts): on top of the KV cache an earlier tool prompt left, the eval's "What is the
  // capital of France?" became "L'Étoile, la Marseillaise..." instead of Paris (the first token tips at temperature 0).
  if (strategy !== 'native' && opts.tools.list().length === 0)
    return runPlainTurn(history, { service: opts.service, signal: opts.signal, onDelta: opts.onDelta, sampling: opts.sampling, promptReuse: false })
  const turn: AgentTurn = { steps: [], answer: '', outcome: 'step_limit', messages: [], strategy, metrics: [] }
  const ctx = new TurnContext(turn, opts)
  try {
    for (let step = 0; step < (opts.stepLimit ?? DEFAULT_STEP_LIMIT); step++) {
      ctx.assertLive()
      const { summary, hasStreamed } = await ask(opts, strategy, [...history, ...turn.messages], ctx.mustAnswer)
      turn.metrics.push(summary.metrics)
      recordEnding(turn, summary)
      const outcome = await ctx.apply(parseReply(strategy, summary), summary.text)
      if (hasStreamed && outcome !== 'answered')
        opts.onAnswerReset?.()
      if (outcome) {
        turn.outcome = outcome
        return turn
      }
    }
    return turn
  }
  catch (err) {
    if (opts.signal?.aborted || (err instanceof AppError && err.code === 'aborted')) {
      turn.outcome = 'aborted'
      return turn
    }
    throw err
  }
}

async function ask(opts: AgentOptions, strategy: StrategyKind, messages: ChatMessage[], answerOnly: boolean): Promise<{ summary: ChatSummary, hasStreamed: boolean }> {
  const req = buildRequest(strategy, messages, opts.tools, opts.sampling, opts.stepBounds, answerOnly)
  // A schema step is JSON: its answer is streamed out of it as it is written, so local models still stream.
  const answer = strategy === 'schema' ? new AnswerStreamer() : null
  let hasStreamed = false
  for await (const chunk of opts.service.chat(req, { signal: opts.signal })) {
    if (chunk.type === 'done')
      return { summary: chunk.summary, hasStreamed }
    const text = answer ? answer.push(chunk.text) : strategy === 'native' ? chunk.text : ''
    if (text) {
      hasStreamed = true
      opts.onDelta?.(text)
    }
  }
  throw new AppError('inference_failed', 'The model stopped without finishing its answer.')
}

/** The state of one turn: transcript, new messages, calls seen so far. */
class TurnContext {
  private readonly seen = new Map<string, string>()
  private repeats = 0
  /**
   * The model repeated a call it already has the result of: the next schema step may only be a final answer (a stop
   * condition for tiny models, which otherwise repeat the call until the turn fails; issue 19).
   */
  mustAnswer = false
  /** The result of the call the model repeated last. */
  private repeatedResult: string | undefined
  private invalid = 0
  private calls = 0

  constructor(private readonly turn: AgentTurn, private readonly opts: AgentOptions) {}

  assertLive(): void {
    if (this.opts.signal?.aborted)
      throw new AppError('aborted')
  }

  private emit(step: AgentStep): void {
    this.turn.steps.push(step)
    this.opts.onStep?.(step)
  }

  /** Applies the model's reply; returns an outcome when the turn is over. */
  async apply(parsed: ParsedStep[], raw: string): Promise<TurnOutcome | undefined> {
    const thought = parsed.find(p => p.kind !== 'malformed' && p.thought)
    if (thought && thought.kind !== 'malformed')
      this.emit({ kind: 'thought', text: thought.thought })
    const first = parsed[0]
    if (first?.kind === 'answer') {
      const text = this.answerText(first.text)
      this.emit({ kind: 'answer', text })
      this.turn.answer = text
      this.turn.messages.push({ role: 'assistant', content: text })
      return 'answered'
    }
    if (!first || first.kind === 'malformed') {
      this.rejectStep(raw, first?.kind === 'malformed' ? first.reason : 'The reply was empty.')
      return this.countInvalid()
    }
    const allCalls = parsed.filter((p): p is Extract<ParsedStep, { kind: 'call' }> => p.kind === 'call')
    const calls = allCalls.slice(0, this.opts.maxCallsPerStep ?? DEFAULT_MAX_CALLS_PER_STEP)
    const toolCalls: ToolCall[] = calls.map(c => ({ id: `call_${++this.calls}`, type: 'function', function: { name: c.name, arguments: c.argsText }, ...(c.signature && { signature: c.signature }) }))
    this.turn.messages.push({ role: 'assistant', content: thought?.kind === 'call' ? thought.thought : '', tool_calls: toolCalls })
    for (const [i, call] of calls.entries()) {
      const outcome = await this.runCall(call, toolCalls[i]!.id)
      if (outcome)
        return outcome
    }
    if (allCalls.length > calls.length)
      this.refuseExtraCalls(calls.length, allCalls.length)
    return undefined
  }

  /**
   * The answer as the person reads it. A tiny model made to answer after a repeated call often copies the loop's
   * note ("You already called calculator with these arguments; the result was: 7006652. Use it and answer."): the
   * result it quotes is the answer, so that is what it becomes (answer extraction; the eval found every such answer
   * to be a copy of the note).
   */
  private answerText(text: string): string {
    return this.repeatedResult !== undefined && text.trimStart().startsWith(REPEAT_NOTE) ? this.repeatedResult : text
  }

  /** The calls past the cap were not run: one observation says so, so the model can ask again for what it needs. */
  private refuseExtraCalls(ran: number, asked: number): void {
    const content = `Only the first ${ran} of your ${asked} tool calls were run: at most ${ran} per step. The other ${asked - ran} were refused. Use the results above, and call again in your next step only what you still need.`
    this.emit({ kind: 'observation', callId: `refused_${++this.calls}`, name: 'too_many_calls', content, isError: true })
    this.turn.messages.push({ role: 'user', content })
  }

  /** One more invalid call or step; the turn ends once there are {@link MAX_INVALID_STEPS}. */
  private countInvalid(): TurnOutcome | undefined {
    return ++this.invalid >= MAX_INVALID_STEPS ? 'invalid_calls' : undefined
  }

  private async runCall(call: Extract<ParsedStep, { kind: 'call' }>, id: string): Promise<TurnOutcome | undefined> {
    this.emit({ kind: 'tool_call', callId: id, name: call.name, arguments: call.args ?? call.argsText })
    const key = `${call.name}\u0000${call.argsText && call.args !== undefined ? JSON.stringify(call.args) : call.argsText}`
    const previous = this.seen.get(key)
    if (previous !== undefined) {
      this.observe(id, call.name, `${REPEAT_NOTE} ${call.name} with these arguments; the result was: ${previous}. Use it and answer.`, true)
      this.mustAnswer = true
      this.repeatedResult = previous
      return ++this.repeats >= 2 ? 'repeated_call' : undefined
    }
    const result = call.argsError
      ? { content: call.argsError, isError: true }
      : !(await this.mayReachModel(call))
          ? { content: `The user did not allow their notes to be sent to ${this.opts.service.id}.`, isError: true }
          : await this.opts.tools.execute(call.name, call.args, { signal: this.opts.signal, confirm: this.opts.confirm })
    this.assertLive()
    this.seen.set(key, result.content)
    this.observe(id, call.name, result.content, result.isError)
    return call.argsError || ('invalid' in result && result.invalid) ? this.countInvalid() : undefined
  }

  /** A tool that reads the person's notes answers a cloud model only once the person allowed it (tools/notes.ts). */
  private async mayReachModel(call: Extract<ParsedStep, { kind: 'call' }>): Promise<boolean> {
    const service = this.opts.service
    if (service.capabilities.isLocal || !NOTE_READING_TOOLS.includes(call.name) || !this.opts.tools.names.includes(call.name))
      return true
    const confirm = this.opts.confirm
    const args = { ...(call.args as Record<string, unknown> | undefined), notes_are_sent_to: `${service.id} (a cloud service, not this device)` }
    return askNotesToCloud(service.id, confirm && (() => confirm({ name: call.name, args })))
  }

  private observe(callId: string, name: string, content: string, isError: boolean): void {
    this.emit({ kind: 'observation', callId, name, content, isError })
    this.turn.messages.push({ role: 'tool', tool_call_id: callId, name, content })
  }

  /** A reply that is no step at all: the model is told why, and the turn goes on (within the step limit). */
  private rejectStep(raw: string, reason: string): void {
    const callId = `invalid_${++this.calls}`
    this.emit({ kind: 'observation', callId, name: 'invalid_step', content: reason, isError: true })
    this.turn.messages.push({ role: 'assistant', content: raw }, { role: 'user', content: `That reply was not a valid step: ${reason} Reply with one valid step.` })
  }
}
