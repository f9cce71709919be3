/**
 * Finish reasons of both cloud protocols in the app's one vocabulary, and the notice a person reads when a reply did
 * not end normally: the text so far stays, the notice says why and what to do next. An empty answer is never "done"
 * in silence.
 */
import type { FinishReason, ReplyNotice, ReplyNoticeCode } from './types'

/** Gemini's `Candidate.finishReason` (google.ai.generativelanguage.v1beta FinishReason); unknown ones are `other`. */
export function fromGeminiFinish(reason: string | null | undefined): FinishReason | undefined {
  if (!reason || reason === 'FINISH_REASON_UNSPECIFIED')
    return undefined
  const known: Record<string, FinishReason> = {
    STOP: 'stop',
    MAX_TOKENS: 'length',
    SAFETY: 'safety',
    IMAGE_SAFETY: 'safety',
    RECITATION: 'recitation',
    IMAGE_RECITATION: 'recitation',
    BLOCKLIST: 'blocklist',
    PROHIBITED_CONTENT: 'prohibited_content',
    IMAGE_PROHIBITED_CONTENT: 'prohibited_content',
    SPII: 'spii',
    MALFORMED_FUNCTION_CALL: 'malformed_function_call',
    UNEXPECTED_TOOL_CALL: 'malformed_function_call',
  }
  return known[reason] ?? 'other'
}

/** OpenAI's `choices[].finish_reason`; `function_call` is the legacy name of `tool_calls`; unknown ones are `other`. */
export function fromOpenAIFinish(reason: string | null | undefined): FinishReason | undefined {
  if (!reason)
    return undefined
  const known: Record<string, FinishReason> = { stop: 'stop', eos: 'stop', length: 'length', tool_calls: 'tool_calls', function_call: 'tool_calls', content_filter: 'content_filter' }
  return known[reason] ?? 'other'
}

/** What the reply produced, for judging whether the person must be told something. */
export interface ReplyShape {
  finishReason: FinishReason
  text: string
  reasoning?: string
  toolCallCount: number
  /** The service as the person knows it, with its host: "Gemini (generativelanguage.googleapis.com)". */
  service: string
  /** The reason exactly as the service sent it (MAX_TOKENS, SAFETY, a blockReason...), quoted in the message. */
  rawReason?: string
  /** The idle timeout that cut a stalled stream, in milliseconds. */
  idleTimeoutMs?: number
}

const REPHRASE = 'Rephrase the message and send it again; sending it unchanged will likely end the same way.'

/** The notice for a reply, or undefined when it ended normally with something to show. */
export function replyNotice(r: ReplyShape): ReplyNotice | undefined {
  const hasOutput = r.text.trim() !== '' || r.toolCallCount > 0
  const raw = r.rawReason ? ` (${r.rawReason})` : ''
  const soFar = r.text.trim() ? ' The text so far is kept above.' : ' It wrote no answer.'
  const notice = (code: ReplyNoticeCode, message: string, nextStep: string): ReplyNotice => ({ code, message, nextStep })
  switch (r.finishReason) {
    case 'stop':
      return hasOutput ? undefined : notice('empty_answer', `${r.service} finished without writing an answer${r.reasoning ? ' (it only wrote reasoning)' : ''}.`, 'Send the message again or rephrase it; if it repeats, pick another model.')
    case 'tool_calls':
      return r.toolCallCount > 0 ? undefined : notice('tool_calls', `${r.service} said it called a tool${raw} but sent no call the app could read.${soFar}`, 'Send the message again, or turn tools off for this chat.')
    case 'length':
      return notice('length', `The answer reached the length limit${raw}${!r.text.trim() && r.reasoning ? ' while the model was still thinking' : ''}.${soFar}`, 'Raise "Longest answer" in Settings, or ask for a shorter answer.')
    case 'content_filter':
      return notice('content_filter', `${r.service}'s content filter stopped the answer${raw}.${soFar}`, REPHRASE)
    case 'safety':
      return notice('safety', `${r.service} stopped the answer for safety${raw}.${soFar}`, REPHRASE)
    case 'recitation':
      return notice('recitation', `${r.service} stopped the answer because it was repeating published text${raw}.${soFar}`, 'Ask for a summary in the model\'s own words, or rephrase the message.')
    case 'blocklist':
      return notice('blocklist', `${r.service} stopped the answer because it contained a blocked term${raw}.${soFar}`, REPHRASE)
    case 'prohibited_content':
      return notice('prohibited_content', `${r.service} stopped the answer as prohibited content${raw}.${soFar}`, REPHRASE)
    case 'spii':
      return notice('spii', `${r.service} stopped the answer because it contained sensitive personal information${raw}.${soFar}`, 'Leave personal details (numbers, addresses, IDs) out of the request and send it again.')
    case 'malformed_function_call':
      return notice('malformed_function_call', `${r.service} wrote a tool call it could not read itself${raw}.${soFar}`, 'Send the message again, or turn tools off for this chat.')
    case 'blocked_prompt':
      return notice('blocked_prompt', `${r.service} refused the message itself${raw}, so there is no answer.`, REPHRASE)
    case 'stalled':
      return notice('stalled', `${r.service} stopped sending for ${Math.round((r.idleTimeoutMs ?? 0) / 1000)} s, so the answer was cut here.${soFar}`, 'Send the message again; if it repeats, check the server, or raise "Stream idle timeout" in Settings.')
    case 'connection_lost':
      return notice('connection_lost', `${r.service} went away in the middle of the answer: the connection broke${raw}, so the answer ends here.${soFar}`, 'Check that the server is still running, then send the message again.')
    case 'other':
      return notice('other', `${r.service} stopped the answer for a reason it did not explain${raw}.${soFar}`, 'Send the message again or rephrase it.')
  }
}

/**
 * Two notices for one reply as one: `first`'s code (what the person needs to know first), both messages and both next
 * steps in that order; `second` alone when there is no `first`. The reply's own finish reason stays on the reply.
 */
export function combineNotices(first: ReplyNotice | undefined, second: ReplyNotice | undefined): ReplyNotice | undefined {
  if (!first || !second)
    return first ?? second
  return { code: first.code, message: `${first.message} ${second.message}`, nextStep: `${first.nextStep} ${second.nextStep}` }
}
