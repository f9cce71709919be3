/**
 * One cloud reply as its stream arrives, for both cloud services (Gemini, OpenAI-compatible): answer text apart from
 * reasoning, tool calls, the first-token time, how a broken stream ended, and the final `done` chunk with its notice.
 * Each service reads its own wire format and feeds this; what the person sees at the end is decided here once.
 */
import { ReasoningSplitter } from '../../contract/reasoning'
import { replyNotice } from '../../contract/reply-notice'
import type { ChatChunk, FinishReason, RequestMetrics, ToolCall } from '../../contract/types'
import { endOfBrokenStream } from './cloud-common'

/** What {@link CloudReply.done} needs besides the stream: the finish reason decided by the service's protocol. */
export interface CloudReplyEnd {
  /** The protocol's finish reason mapped to ours, or the broken-stream reason ({@link CloudReply.brokenReason}). */
  reason: FinishReason
  /** The service as the person knows it ("Gemini", "The server at localhost:8080"), for the notice. */
  service: string
  /** The wire's own reason ("MAX_TOKENS", "length", "blockReason SAFETY", the cut's detail), shown in the notice. */
  rawReason?: string
  /** The stall limit in ms, named in a "stalled" notice. */
  idleTimeoutMs: number
  metrics: RequestMetrics
}

/** The state of one streamed cloud reply; see the module comment. */
export class CloudReply {
  private readonly split = new ReasoningSplitter()
  /** Tool calls in the order the stream gave them; services append or merge into this array. */
  readonly calls: ToolCall[] = []
  /** `performance.now()` of the first answer text; 0 until then. */
  firstTokenAt = 0
  private isStalled = false
  private cut: string | undefined

  /** Content text from the wire (may hold `<think>` tags); returns the answer text to show now, '' when none. */
  push(text: string): string {
    const { answer } = this.split.push(text)
    if (answer)
      this.firstTokenAt ||= performance.now()
    return answer
  }

  /** Reasoning text the protocol marks as such (Gemini `thought` parts, `reasoning_content`). */
  addReasoning(text: string): void {
    this.split.addReasoning(text)
  }

  /**
   * The stream threw `err`. A stall, or a cut connection after output began and before a finish reason, keeps the
   * reply so far (see {@link endOfBrokenStream}); anything else is rethrown as the turn's failure.
   * @throws err itself when the reply cannot be kept.
   */
  broke(err: unknown, signal: AbortSignal | undefined, finish: unknown): void {
    const hasOutput = !!(this.split.answer || this.split.reasoning || this.calls.length)
    const end = endOfBrokenStream(err, { signal, hasOutput, finish })
    this.isStalled = end.isStalled
    this.cut = end.cut
  }

  /** 'stalled' or 'connection_lost' when {@link broke} kept the reply, else undefined. */
  get brokenReason(): FinishReason | undefined {
    return this.isStalled ? 'stalled' : this.cut ? 'connection_lost' : undefined
  }

  /** The cut's detail (for the notice's raw reason), when the connection was cut. */
  get cutDetail(): string | undefined {
    return this.cut
  }

  /** The answer text held back at the end of the stream (an unclosed tag's start); '' when none. */
  flush(): string {
    return this.split.flush().answer
  }

  /** The `done` chunk: 'stop' with tool calls becomes 'tool_calls'; a notice when the end needs one. */
  done(end: CloudReplyEnd): ChatChunk {
    const calls = this.calls
    const finishReason: FinishReason = end.reason === 'stop' && calls.length ? 'tool_calls' : end.reason
    const text = this.split.answer
    const reasoning = this.split.reasoning
    const notice = replyNotice({ finishReason, text, reasoning, toolCallCount: calls.length, service: end.service, rawReason: end.rawReason, idleTimeoutMs: end.idleTimeoutMs })
    return { type: 'done', summary: { text, finishReason, mode: 'chat', metrics: end.metrics, ...(calls.length && { toolCalls: calls }), ...(notice && { notice }), ...(reasoning && { reasoning }) } }
  }
}
