/**
 * A conversation that outgrows a local model's context still gets answers. Before a turn, the history is trimmed
 * oldest-first to what the context holds (system prompt and the latest turn always kept), and the person is told in
 * the reply's notice. The estimate is characters times tokens-per-character; the engine's own count corrects it:
 * llama.cpp refuses a prompt longer than the context with its exact size ("request (802 tokens) exceeds the available
 * context size (256 tokens)", AppError `context_exceeded` with details promptTokens and nCtx), and the turn is fitted
 * again with the ratio that count implies. wllama 3.8 has no tokenize call, so this is the count the engine gives.
 * A latest message that cannot fit on its own fails with `context_exceeded`, its numbers and the choices.
 * With the "summarise" policy the oldest turns are replaced by a summary the model writes (history-summary.ts).
 */
import { AppError } from '../shared/errors'
import type { ChatMessage, ReplyNotice, RequestMetrics } from '../contract/types'
import { combineNotices } from '../contract/reply-notice'
import { summaryTokens, withSummary, type HistoryPolicy, type HistorySummary } from './history-summary'

/** Tokens per character assumed until the engine has counted (English runs ~0.17-0.25, code and other scripts more). */
export const DEFAULT_TOKENS_PER_CHAR = 0.35
/** Template tokens around each message (role markers, newlines). */
const MESSAGE_OVERHEAD_TOKENS = 8
/** What the tool prompt of the built-in tools costs (267 SmolLM2 tokens, prompt-tokens.test.ts), rounded up. */
export const TOOL_PROMPT_TOKENS = 320
/** Fitting again after the engine counted: at most this many more tries. */
const MAX_REFITS = 2

export interface ContextBudget {
  /** The loaded context, in tokens. */
  nCtx: number
  /** Kept free for the answer (the "Longest answer" setting), in tokens. */
  answerTokens: number
  /** Kept for the tool prompt when tools are offered, in tokens. */
  toolTokens: number
}

/** Learnt per model manager: the tokens per character the engine's last count implied. */
export interface ContextState {
  tokensPerChar: number
}

export function estimateTokens(messages: readonly ChatMessage[], tokensPerChar: number): number {
  return messages.reduce((n, m) => n + MESSAGE_OVERHEAD_TOKENS + Math.ceil(chars(m) * tokensPerChar), 0)
}

function chars(m: ChatMessage): number {
  return m.content.length + (m.tool_calls?.reduce((n, c) => n + c.function.name.length + c.function.arguments.length, 0) ?? 0)
}

/** Tokens the prompt may use: the context less the answer's share (at most a quarter) and the tool prompt. */
export function promptBudget(b: ContextBudget): number {
  return b.nCtx - Math.min(b.answerTokens, Math.floor(b.nCtx / 4)) - b.toolTokens
}

/**
 * The history with its oldest whole turns dropped (a user message with the replies and tool steps after it) until the
 * estimate fits `budgetTokens`. System messages and the latest turn always stay.
 */
export function fitHistory(messages: readonly ChatMessage[], budgetTokens: number, tokensPerChar: number): { messages: ChatMessage[], dropped: number } {
  const system = messages.filter(m => m.role === 'system')
  const rest = messages.filter(m => m.role !== 'system')
  const lastUser = rest.map(m => m.role).lastIndexOf('user')
  let start = 0
  const fits = () => estimateTokens([...system, ...rest.slice(start)], tokensPerChar) <= budgetTokens
  while (start < lastUser && !fits()) {
    start++
    while (start < lastUser && rest[start]!.role !== 'user')
      start++
  }
  return { messages: [...system, ...rest.slice(start)], dropped: start }
}

/** What the person reads under a reply whose oldest messages were left out. */
export function trimNotice(dropped: number, nCtx: number): ReplyNotice {
  return {
    code: 'history_trimmed',
    message: `The ${dropped === 1 ? 'oldest message' : `${dropped} oldest messages`} of this chat no longer fit in the model's context (${nCtx} tokens), so this answer did not see ${dropped === 1 ? 'it' : 'them'}.`,
    nextStep: 'Start a new chat for a new topic, or raise the context size in Settings to keep more of this one.',
  }
}

/** The latest message alone does not fit: the numbers and the choices. */
export function messageTooLong(promptTokens: number, b: ContextBudget): AppError {
  const kept = b.nCtx - promptBudget(b)
  return new AppError('context_exceeded', `This message needs about ${promptTokens} tokens, but the model's context holds ${b.nCtx} (${kept} of them kept for the answer${b.toolTokens ? ' and the tools' : ''}). `
    + 'Shorten the message, raise the context size in Settings, or start a new chat.', { details: { promptTokens, nCtx: b.nCtx } })
}

/**
 * After a turn, the ratio the engine's count implies for what was sent (its first request), with a margin: a chat in
 * English is then not trimmed as if every character were a third of a token. Too little text says nothing.
 */
function learnRatio(state: ContextState, sent: readonly ChatMessage[], promptTokens: number | undefined, b: ContextBudget): void {
  const total = sent.reduce((n, m) => n + chars(m), 0)
  if (!promptTokens || total < 200)
    return
  const observed = (promptTokens - b.toolTokens - MESSAGE_OVERHEAD_TOKENS * sent.length) / total
  if (observed > 0)
    state.tokensPerChar = Math.min(1, Math.max(0.05, observed * 1.15))
}

/** What the person reads under a reply whose oldest messages were replaced by a summary the model wrote. */
export function summaryNotice(replaced: number, nCtx: number): ReplyNotice {
  const what = replaced === 1 ? 'oldest message' : `${replaced} oldest messages`
  return {
    code: 'history_summarised',
    message: `The ${what} of this chat no longer fit in the model's context${Number.isFinite(nCtx) ? ` (${nCtx} tokens)` : ''}, so the model summarised ${replaced === 1 ? 'it' : 'them'} and this answer saw the summary instead.`,
    nextStep: 'Open "Summary of earlier messages" below to read it. Start a new chat for a new topic, or raise the context size in Settings to keep more of this one word for word.',
  }
}

/** How the turn's history is fitted: the policy, the conversation's earlier summary, and how to write a new one. */
export interface FitOptions {
  /** Default 'trim'. */
  policy?: HistoryPolicy
  /** The conversation's summary of the messages before `history`, sent with it (history-summary.ts withSummary). */
  summary?: string
  /** Writes the summary of `prior` plus `dropped`; undefined when it could not (the turn then trims). */
  summarise?: (prior: string | undefined, dropped: ChatMessage[], nCtx: number) => Promise<string | undefined>
  /** Told the context size a refusal named, when it is smaller than the budget's (a cloud service's, learnt). */
  onContextSize?: (nCtx: number) => void
}

interface Plan {
  messages: ChatMessage[]
  /** Messages left out, when trimmed. */
  dropped: number
  /** The summary written for this turn, when the oldest messages were summarised. */
  summary?: HistorySummary
}

/**
 * The messages the turn sends: the history (with the conversation's earlier summary) when it fits; else, with the
 * summarise policy, the oldest turns replaced by a new summary that leaves room for itself; else (or when no summary
 * could be written) the oldest turns dropped.
 */
async function plan(history: ChatMessage[], allowed: number, nCtx: number, state: ContextState, fit: FitOptions): Promise<Plan> {
  const trimmed = fitHistory(withSummary(history, fit.summary), allowed, state.tokensPerChar)
  if (!trimmed.dropped || fit.policy !== 'summarise' || !fit.summarise)
    return trimmed
  const room = allowed - summaryTokens(nCtx) - MESSAGE_OVERHEAD_TOKENS
  const kept = fitHistory(history, room, state.tokensPerChar)
  const rest = history.filter(m => m.role !== 'system')
  // Nothing to summarise, or the latest turn does not fit even so: trimming says what there is to say.
  if (!kept.dropped || estimateTokens(kept.messages, state.tokensPerChar) > room)
    return trimmed
  const text = await fit.summarise(fit.summary, rest.slice(0, kept.dropped), nCtx)
  if (!text)
    return trimmed
  return { messages: withSummary(kept.messages, text), dropped: 0, summary: { text, replaced: kept.dropped } }
}

/**
 * Runs `turn` on the history fitted to the context; when the engine counts more tokens than the estimate allowed, the
 * ratio is corrected and the turn runs again on a shorter history. The notice says what was left out or summarised,
 * and a summary written for the turn comes back in `summary`. A budget of Infinity (a cloud service whose context is
 * not known) sends everything until the service refuses with its context size (`details.nCtx`), which is then used.
 * @throws AppError 'context_exceeded' when the latest message cannot fit; whatever `turn` throws otherwise
 */
export async function runWithinContext<T extends { notice?: ReplyNotice, metrics?: RequestMetrics[], summary?: HistorySummary }>(
  history: ChatMessage[],
  budgetIn: ContextBudget,
  state: ContextState,
  turn: (messages: ChatMessage[]) => Promise<T>,
  onRetry?: () => void,
  fit: FitOptions = {},
): Promise<T> {
  let budget = budgetIn
  for (let attempt = 0; ; attempt++) {
    const allowed = promptBudget(budget)
    const fitted = await plan(history, allowed, budget.nCtx, state, fit)
    const estimate = estimateTokens(fitted.messages, state.tokensPerChar)
    try {
      const result = await turn(fitted.messages)
      learnRatio(state, fitted.messages, result.metrics?.[0]?.promptTokens, budget)
      const note = fitted.summary ? summaryNotice(fitted.summary.replaced, budget.nCtx) : fitted.dropped ? trimNotice(fitted.dropped, budget.nCtx) : undefined
      if (!note)
        return result
      return {
        ...result,
        ...(fitted.summary && { summary: fitted.summary }),
        // Both said in one notice under the history's code (the reply's own reason stays in its finish reason): what
        // the answer did not see is what a person needs to know first.
        notice: combineNotices(note, result.notice),
      }
    }
    catch (err) {
      const details = err instanceof AppError && err.code === 'context_exceeded' ? err.details : undefined
      const counted = details?.promptTokens
      if (counted === undefined)
        throw err
      // A service that said how big its context is: fit to that from now on.
      if (typeof details?.nCtx === 'number' && details.nCtx > 0 && details.nCtx < budget.nCtx) {
        budget = { ...budget, nCtx: details.nCtx }
        fit.onContextSize?.(details.nCtx)
      }
      const alone = fitHistory(history, 0, state.tokensPerChar).messages.filter(m => m.role !== 'system').length
      const isAlone = alone === fitted.messages.filter(m => m.role !== 'system').length
      if (isAlone || attempt >= MAX_REFITS)
        throw messageTooLong(counted, budget)
      // The engine counted `counted` tokens where `estimate` was assumed, the tool prompt included: scale the ratio.
      if (Number.isFinite(estimate))
        state.tokensPerChar *= Math.max(1.1, (counted - budget.toolTokens) / Math.max(1, estimate))
      onRetry?.()
    }
  }
}
