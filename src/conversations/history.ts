/**
 * Stored messages to the OpenAI-shaped history a backend receives. Agent steps are replayed as assistant
 * `tool_calls` and `tool` results, so a conversation keeps its tool steps when it moves to another backend.
 * Framework-free.
 */
import type { AgentStep } from '../agent/types'
import type { ChatMessage } from '../contract/types'
import type { StoredMessage } from './types'

function stepMessages(steps: AgentStep[]): ChatMessage[] {
  const out: ChatMessage[] = []
  for (const step of steps) {
    if (step.kind === 'tool_call') {
      const call = { id: step.callId, type: 'function' as const, function: { name: step.name, arguments: JSON.stringify(step.arguments ?? {}) } }
      const last = out.at(-1)
      if (last?.role === 'assistant' && last.tool_calls && !last.content)
        last.tool_calls.push(call)
      else
        out.push({ role: 'assistant', content: '', tool_calls: [call] })
    }
    // An observation that answers no call (a refused extra call, an invalid step) is a note to the model in that
    // turn: a `tool` message without its call would be refused by OpenAI-compatible servers.
    else if (step.kind === 'observation' && steps.some(s => s.kind === 'tool_call' && s.callId === step.callId)) {
      out.push({ role: 'tool', content: step.content, tool_call_id: step.callId, name: step.name })
    }
  }
  return out
}

/**
 * Whether an agent loop ended in its own answer. A loop that could not (a repeated call, the step limit, invalid calls)
 * was answered again without tools: its calls led nowhere, and replaying them would teach the next turn to repeat them.
 */
function reachedAnswer(steps: readonly AgentStep[]): boolean {
  return steps.some(s => s.kind === 'answer')
}

/**
 * A question whose reply failed (status `error`): it is not replayed, so a turn that broke the engine (text it could
 * not take, a message too long for the context) cannot break every later turn. Regenerate sends it again: it is then
 * the last message, with no failed reply after it.
 */
function isFailedTurn(entries: readonly StoredMessage[], question: StoredMessage): boolean {
  const next = entries[entries.indexOf(question) + 1]
  return next?.role === 'assistant' && next.status === 'error'
}

/** The history for a request, with where each message came from and the summary standing for older messages. */
export interface HistoryForRequest {
  messages: ChatMessage[]
  /** Per message of `messages`: the id of the stored message it was built from ('' for the system prompt). */
  sources: string[]
  /** The conversation's latest summary (StoredMessage.contextSummary); `messages` start after what it covers. */
  summary?: string
}

/**
 * The history for the next request: finished messages only (a failed or empty reply is left out), with an optional
 * system prompt first. Only the person's settings give a system prompt and only this app's own agent steps give tool
 * calls and results: a stored `system` or `tool` message (the app writes none; an imported file may hold them) is
 * never sent, and an imported reply is sent as its text alone, without its claimed tool steps. Steps of a tool loop
 * that never answered (see reachedAnswer) are not sent either; the reply's text is. A question whose reply failed is
 * left out with it (see isFailedTurn).
 */
export function historyFor(entries: readonly StoredMessage[], systemPrompt = ''): ChatMessage[] {
  return historyForRequest(entries, systemPrompt).messages
}

/**
 * {@link historyFor} with the conversation's summary: when a reply carries a `contextSummary`, the latest one stands
 * for every message up to its `through`, which are left out of `messages` (the model manager sends the summary in
 * their place). A summary whose `through` is no longer in the conversation is ignored.
 */
export function historyForRequest(entries: readonly StoredMessage[], systemPrompt = ''): HistoryForRequest {
  const messages: ChatMessage[] = systemPrompt.trim() ? [{ role: 'system', content: systemPrompt.trim() }] : []
  const sources: string[] = messages.map(() => '')
  const latest = [...entries].reverse().find(m => m.contextSummary && entries.some(e => e.id === m.contextSummary!.through))
  const start = latest ? entries.findIndex(e => e.id === latest.contextSummary!.through) + 1 : 0
  const add = (m: StoredMessage, out: ChatMessage[]) => {
    messages.push(...out)
    sources.push(...out.map(() => m.id))
  }
  for (const m of entries.slice(start)) {
    if (m.role === 'assistant') {
      if (m.steps?.length && !m.imported && reachedAnswer(m.steps))
        add(m, stepMessages(m.steps))
      if (m.content && m.status !== 'error')
        add(m, [{ role: 'assistant', content: m.content }])
    }
    else if (m.role === 'user' && !isFailedTurn(entries, m)) {
      add(m, [{ role: 'user', content: m.content }])
    }
  }
  return { messages, sources, ...(latest && { summary: latest.contextSummary!.text }) }
}

/**
 * The stored message a turn's summary reaches through: the source of the last of the `replaced` history messages
 * (system ones not counted), or undefined when there is none.
 */
export function summaryThrough(history: HistoryForRequest, replaced: number): string | undefined {
  const sources = history.messages.flatMap((m, i) => (m.role === 'system' ? [] : [history.sources[i]!]))
  return replaced > 0 ? sources[replaced - 1] || undefined : undefined
}
