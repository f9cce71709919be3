/**
 * A turn without tools: the reply streams straight from the backend. Used when tools are off, and for local base
 * models without a chat template (a story model cannot follow a tool protocol), so their text still streams.
 * Same result shape as the ReAct loop, so the manager, fallback and UI treat both alike.
 */
import type { AIService, ChatMessage, SamplingSettings } from '../contract/types'
import { AppError } from '../shared/errors'
import type { ChatSummary } from '../contract/types'
import type { AgentTurn } from './react-loop'

export interface PlainTurnOptions {
  service: AIService
  signal?: AbortSignal
  onDelta?: (text: string) => void
  sampling?: SamplingSettings
  /** Reuse the KV cache of the previous request's prompt prefix (local engines). Default true. */
  promptReuse?: boolean
}

/**
 * Streams one reply. A cancel is an outcome (`aborted`, with the text so far), not an exception.
 * @throws AppError from the service (load, network, crash...) so the manager can fall back.
 */
export async function runPlainTurn(history: ChatMessage[], opts: PlainTurnOptions): Promise<AgentTurn> {
  const turn: AgentTurn = { steps: [], answer: '', outcome: 'aborted', messages: [], strategy: 'plain', metrics: [] }
  let text = ''
  try {
    const request = { messages: history, sampling: opts.sampling, ...(opts.promptReuse === false && { promptReuse: false }) }
    for await (const chunk of opts.service.chat(request, { signal: opts.signal })) {
      if (chunk.type === 'delta') {
        text += chunk.text
        opts.onDelta?.(chunk.text)
        continue
      }
      turn.metrics.push(chunk.summary.metrics)
      recordEnding(turn, chunk.summary)
      turn.mode = chunk.summary.mode
      turn.answer = chunk.summary.text || text
      turn.outcome = 'answered'
      turn.messages.push({ role: 'assistant', content: turn.answer })
      return turn
    }
    throw new AppError('inference_failed', 'The model stopped without finishing its answer.')
  }
  catch (err) {
    if (opts.signal?.aborted || (err instanceof AppError && err.code === 'aborted')) {
      turn.answer = text
      return turn
    }
    throw err
  }
}

/** Copies the ending facts of a request's summary onto the turn: finish reason, notice, reasoning (appended). */
export function recordEnding(turn: AgentTurn, summary: ChatSummary): void {
  turn.finishReason = summary.finishReason
  turn.notice = summary.notice
  if (summary.reasoning)
    turn.reasoning = turn.reasoning ? `${turn.reasoning}\n\n${summary.reasoning}` : summary.reasoning
}
