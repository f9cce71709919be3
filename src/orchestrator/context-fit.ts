/**
 * A conversation that outgrows a local model's context still gets answers. Before a turn, the history is trimmed
 * oldest-first to what the context holds (system prompt and the latest turn always kept), and the person is told in
 * the reply's notice. The estimate is characters times tokens-per-character; the engine's own count corrects it:
 * llama.cpp refuses a prompt longer than the context with its exact size ("request (802 tokens) exceeds the available
 * context size (256 tokens)", AppError `context_exceeded` with details promptTokens and nCtx), and the turn is fitted
 * again with the ratio that count implies. wllama 3.8 has no tokenize call, so this is the count the engine gives.
 * A latest message that cannot fit on its own fails with `context_exceeded`, its numbers and the choices.
 */
import { AppError } from '../shared/errors'
import type { ChatMessage, ReplyNotice, RequestMetrics } from '../contract/types'

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

/**
 * Runs `turn` on the history fitted to the context; when the engine counts more tokens than the estimate allowed, the
 * ratio is corrected and the turn runs again on a shorter history. The notice says what was left out.
 * @throws AppError 'context_exceeded' when the latest message cannot fit; whatever `turn` throws otherwise
 */
export async function runWithinContext<T extends { notice?: ReplyNotice, metrics?: RequestMetrics[] }>(
  history: ChatMessage[],
  budget: ContextBudget,
  state: ContextState,
  turn: (messages: ChatMessage[]) => Promise<T>,
  onRetry?: () => void,
): Promise<T> {
  const allowed = promptBudget(budget)
  for (let attempt = 0; ; attempt++) {
    const fitted = fitHistory(history, allowed, state.tokensPerChar)
    const estimate = estimateTokens(fitted.messages, state.tokensPerChar)
    try {
      const result = await turn(fitted.messages)
      learnRatio(state, fitted.messages, result.metrics?.[0]?.promptTokens, budget)
      if (!fitted.dropped)
        return result
      const trimmed = trimNotice(fitted.dropped, budget.nCtx)
      return { ...result, notice: result.notice ? { ...result.notice, message: `${trimmed.message} ${result.notice.message}` } : trimmed }
    }
    catch (err) {
      const counted = err instanceof AppError && err.code === 'context_exceeded' ? err.details?.promptTokens : undefined
      if (counted === undefined)
        throw err
      const isAlone = fitHistory(history, 0, state.tokensPerChar).messages.length === fitted.messages.length
      if (isAlone || attempt >= MAX_REFITS)
        throw messageTooLong(counted, budget)
      // The engine counted `counted` tokens where `estimate` was assumed, the tool prompt included: scale the ratio.
      state.tokensPerChar *= Math.max(1.1, (counted - budget.toolTokens) / Math.max(1, estimate))
      onRetry?.()
    }
  }
}
