/** Reads wllama's OpenAI-shaped stream (chat or raw completion) into deltas and a summary with metrics. */
import type { LoadedModel } from '../../../contract/messages'
import { ReasoningSplitter } from '../../../contract/reasoning'
import type { ChatSummary, FinishReason, RequestMetrics, ToolCall } from '../../../contract/types'
import { tokensPerSecond } from '../../../contract/speed'

export interface StreamChunk {
  choices: Array<{ text?: string, delta?: { content?: string | null, reasoning_content?: string | null, tool_calls?: ToolCallDelta[] }, finish_reason: string | null }>
  usage?: { prompt_tokens: number, completion_tokens: number, prompt_tokens_details?: { cached_tokens: number } } | null
  timings?: { cache_n: number, prompt_n: number, prompt_ms: number, predicted_n: number, predicted_ms: number }
}

/** OpenAI streams send a call's id and name once, then its arguments in fragments, keyed by `index`. */
interface ToolCallDelta { index: number, id?: string, function?: { name?: string, arguments?: string } }

function mergeToolCalls(calls: ToolCall[], deltas: ToolCallDelta[] | undefined): void {
  for (const d of deltas ?? []) {
    const call = calls[d.index] ??= { id: d.id ?? `call_${d.index}`, type: 'function', function: { name: '', arguments: '' } }
    call.function.name += d.function?.name ?? ''
    call.function.arguments += d.function?.arguments ?? ''
  }
}

/** Reads the stream; `<think>` blocks and `reasoning_content` go to the summary's `reasoning`, not to the answer. */
export async function readStream(stream: AsyncIterable<StreamChunk>, onDelta: (text: string) => void) {
  const split = new ReasoningSplitter()
  let firstTokenAt = 0
  let last: StreamChunk | undefined
  const toolCalls: ToolCall[] = []
  const emit = (answer: string) => {
    if (answer) {
      firstTokenAt ||= performance.now()
      onDelta(answer)
    }
  }
  for await (const chunk of stream) {
    const choice = chunk.choices[0]
    mergeToolCalls(toolCalls, choice?.delta?.tool_calls)
    split.addReasoning(choice?.delta?.reasoning_content ?? '')
    emit(split.push(choice?.text ?? choice?.delta?.content ?? '').answer)
    last = chunk
  }
  emit(split.flush().answer)
  return {
    summary(loaded: LoadedModel, queueWaitMs: number, started: number): Omit<ChatSummary, 'mode'> {
      const finishReason: FinishReason = last?.choices[0]?.finish_reason === 'length' ? 'length' : 'stop'
      const reasoning = split.reasoning
      return { text: split.answer, finishReason, metrics: metricsOf(last, loaded, queueWaitMs, started, firstTokenAt), ...(toolCalls.length && { toolCalls }), ...(reasoning && { reasoning }) }
    },
  }
}

export function metricsOf(last: StreamChunk | undefined, loaded: LoadedModel, queueWaitMs: number, started: number, firstTokenAt: number): RequestMetrics {
  const t = last?.timings
  return {
    engine: 'wllama',
    threads: loaded.threads,
    queueWaitMs,
    timeToFirstTokenMs: firstTokenAt ? firstTokenAt - started : 0,
    promptTokens: (t ? t.prompt_n + t.cache_n : undefined) ?? last?.usage?.prompt_tokens ?? 0,
    cachedTokens: t?.cache_n ?? last?.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: last?.usage?.completion_tokens ?? t?.predicted_n ?? 0,
    prefillTokensPerSecond: tokensPerSecond(t?.prompt_n, t?.prompt_ms),
    decodeTokensPerSecond: tokensPerSecond(t?.predicted_n, t?.predicted_ms),
    totalMs: performance.now() - started,
  }
}
