/**
 * The "summarise older turns" choice for a history that no longer fits the context (context-fit.ts): the model writes
 * a short summary of the turns that would be dropped, and the summary is sent in their place, inside the system
 * message, on this turn and every later one (the conversation keeps it, stores/chat.ts). The summary request must fit
 * the same context: the turns are folded into the summary a chunk at a time, each request within the context, a
 * single message longer than a chunk cut to what fits. Framework-free.
 */
import { AppError } from '../shared/errors'
import type { AIService, ChatMessage } from '../contract/types'
import { withWellFormedText } from '../contract/well-formed'

/** What happens when the history no longer fits the context: drop the oldest turns, or replace them by a summary. */
export const HISTORY_POLICIES = ['trim', 'summarise'] as const
export type HistoryPolicy = (typeof HISTORY_POLICIES)[number]

/** A summary the model wrote this turn: its text, and how many history messages (system ones not counted) it replaces. */
export interface HistorySummary {
  text: string
  /** Counted from the first message after the system prompt of the history the turn was given. */
  replaced: number
}

/** How the summary is introduced in the system message. */
export const SUMMARY_HEADING = 'Summary of the earlier part of this conversation (older messages were summarised to fit the context):'

const INSTRUCTION = 'You write short summaries of conversations. Keep names, numbers, facts, decisions and open questions. '
  + 'Write plain sentences, at most a few lines. Do not answer the conversation, do not add anything.'

/** Longest summary asked for, in tokens: an eighth of the context, between 16 and 160. */
export function summaryTokens(nCtx: number): number {
  return Math.max(16, Math.min(160, Math.floor(nCtx / 8)))
}

/**
 * `messages` with `summary` sent in the place of the turns it replaces: appended to the system message (one system
 * message, which every chat template accepts), or as the system message when there is none.
 */
export function withSummary(messages: readonly ChatMessage[], summary: string | undefined): ChatMessage[] {
  if (!summary?.trim())
    return [...messages]
  const block = `${SUMMARY_HEADING}\n${summary.trim()}`
  const first = messages[0]
  if (first?.role === 'system')
    return [{ ...first, content: `${first.content}\n\n${block}` }, ...messages.slice(1)]
  return [{ role: 'system', content: block }, ...messages]
}

/** One message as a transcript line. */
function line(m: ChatMessage): string {
  if (m.role === 'tool')
    return `Tool result${m.name ? ` (${m.name})` : ''}: ${m.content}`
  const calls = m.tool_calls?.map(c => `called ${c.function.name} with ${c.function.arguments}`).join('; ')
  const who = m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Assistant' : 'System'
  return `${who}: ${[m.content, calls].filter(Boolean).join(' ')}`
}

function request(prior: string | undefined, lines: readonly string[]): ChatMessage[] {
  const before = prior?.trim() ? `Summary so far:\n${prior.trim()}\n\n` : ''
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: `${before}Conversation to add to the summary:\n${lines.join('\n')}\n\nWrite the updated summary.` },
  ]
}

export interface SummariseOptions {
  /** The context the requests must fit, in tokens; Infinity when the service's is not known (one request). */
  nCtx: number
  /** Tokens per character (context-fit.ts), corrected here when the engine counts more than estimated. */
  state: { tokensPerChar: number }
  /** Estimated tokens of a list of messages at a ratio (context-fit.ts estimateTokens). */
  estimate: (messages: readonly ChatMessage[], tokensPerChar: number) => number
  signal?: AbortSignal
}

/** Fitting a summary request again after the engine counted: at most this many more tries. */
const MAX_REFITS = 2

/**
 * Folds `dropped` into `prior` (the conversation's earlier summary, if any) with `service`, each request within the
 * context. Returns the new summary, or undefined when the model wrote none or the service failed (the caller trims
 * instead: a conversation can always continue).
 * @throws AppError 'aborted' when `signal` is aborted
 */
export async function summarise(backend: AIService, prior: string | undefined, dropped: readonly ChatMessage[], opts: SummariseOptions): Promise<string | undefined> {
  const service = withWellFormedText(backend)
  const answerTokens = summaryTokens(opts.nCtx)
  const room = () => opts.nCtx - answerTokens
  let summary = prior
  let pending = dropped.map(line)
  for (let refits = 0; pending.length;) {
    const chunk = takeChunk(summary, pending, room(), opts)
    try {
      const text = await ask(service, request(summary, chunk.lines), answerTokens, opts.signal)
      if (!text)
        return undefined
      summary = text
      pending = pending.slice(chunk.taken)
    }
    catch (err) {
      if (opts.signal?.aborted || (err instanceof AppError && err.code === 'aborted'))
        throw new AppError('aborted')
      const counted = err instanceof AppError && err.code === 'context_exceeded' ? err.details?.promptTokens : undefined
      if (counted === undefined || refits++ >= MAX_REFITS)
        return undefined
      // As in context-fit.ts: the engine counted more than the estimate; scale the ratio and cut smaller chunks.
      const estimate = opts.estimate(request(summary, chunk.lines), opts.state.tokensPerChar)
      opts.state.tokensPerChar *= Math.max(1.1, counted / Math.max(1, estimate))
    }
  }
  return summary?.trim() || undefined
}

/**
 * The transcript lines that fit one request after `summary`: at least one, the first cut to the room left when it
 * does not fit alone (its start kept).
 */
function takeChunk(summary: string | undefined, pending: readonly string[], room: number, opts: SummariseOptions): { lines: string[], taken: number } {
  const ratio = opts.state.tokensPerChar
  const fits = (lines: readonly string[]) => !Number.isFinite(room) || opts.estimate(request(summary, lines), ratio) <= room
  let taken = 0
  while (taken < pending.length && fits(pending.slice(0, taken + 1)))
    taken++
  if (taken > 0)
    return { lines: pending.slice(0, taken), taken }
  const spare = room - opts.estimate(request(summary, ['']), ratio)
  const chars = Math.max(0, Math.floor(spare / ratio) - 2)
  return { lines: [`${pending[0]!.slice(0, chars)}…`], taken: 1 }
}

/** One request's answer text (reasoning left out), greedy, at most `maxTokens`. */
async function ask(service: AIService, messages: ChatMessage[], maxTokens: number, signal?: AbortSignal): Promise<string> {
  let streamed = ''
  for await (const chunk of service.chat({ messages, sampling: { temperature: 0, maxTokens } }, { signal })) {
    if (chunk.type === 'delta')
      streamed += chunk.text
    else
      return (chunk.summary.text || streamed).trim()
  }
  return streamed.trim()
}
