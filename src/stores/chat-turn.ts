import type { Ref } from 'vue'
import type { RequestMetrics } from '../contract/types'
import { summaryThrough, type HistoryForRequest } from '../conversations/history'
import type { StoredMessage } from '../conversations/types'
import type { TurnRequest, TurnResult } from '../orchestrator/model-manager'
import { AppError } from '../shared/errors'
import { deltaBatcher, type FrameScheduler } from './chat-deltas'
import { useModelManagerStore } from './manager'
import { useModelsStore } from './models'

/**
 * With nothing to answer yet (a local backend, no model loaded), downloads and loads the model the message needs,
 * while the reply shows the progress (`isPreparingModel` is true meanwhile).
 * @throws AppError from the download or load ('aborted' after Stop)
 */
export async function prepareLocalModel(signal: AbortSignal, isPreparingModel: Ref<boolean>): Promise<void> {
  const models = useModelsStore()
  if (useModelManagerStore().answerer !== null)
    return
  isPreparingModel.value = true
  try {
    const isReady = await models.ensureLocalModel(signal)
    signal.throwIfAborted()
    if (!isReady)
      throw models.error ?? new AppError('model_not_loaded')
  }
  catch (err) {
    throw signal.aborted ? new AppError('aborted') : err
  }
  finally {
    isPreparingModel.value = false
  }
}

/** When a turn's reply began, from performance.now(), in ms: the request, and the first answer text (0: none yet). */
export interface AnswerTiming {
  requestedAt: number
  answeredAt: number
}

/**
 * Writes a finished turn into its assistant message: the answer, who answered, how it ended, the reasoning and how
 * long it took, the context summary the turn wrote (kept with the conversation). Returns the last request's metrics,
 * if any, for the caller to record.
 */
export function writeAnswer(answer: StoredMessage, result: TurnResult, history: HistoryForRequest, timing: AnswerTiming): RequestMetrics | undefined {
  if (result.answer)
    answer.content = result.answer
  answer.backend = result.backend
  answer.model = result.backend === 'wllama' ? result.model.file : result.model.id
  answer.fellBack = result.fellBack || undefined
  answer.mode = result.mode
  // How it ended when not a plain stop (length, filter, stalled...), what to do next, and reasoning kept apart.
  answer.finishReason = result.finishReason && result.finishReason !== 'stop' ? result.finishReason : undefined
  answer.notice = result.notice
  answer.reasoning = result.reasoning
  answer.reasoningMs = result.reasoning ? Math.round((timing.answeredAt || performance.now()) - timing.requestedAt) : undefined
  // The turn summarised the oldest messages: kept with the conversation, sent in their place from now on.
  const through = result.summary && summaryThrough(history, result.summary.replaced)
  answer.contextSummary = through ? { text: result.summary!.text, through } : undefined
  const metrics = result.metrics.at(-1)
  if (metrics)
    answer.metrics = metrics
  // A tool loop that could not finish was answered again without tools (result.recoveredWithoutTools): the
  // answer is that reply; its steps stay, collapsed, and are not replayed to the model (conversations/history.ts).
  answer.status = result.outcome === 'aborted' ? 'stopped' : 'done'
  return metrics
}

/** The callbacks that stream a turn into its assistant message, and when the answer text began. */
export interface AnswerStream extends Required<Pick<TurnRequest, 'onDelta' | 'onAnswerReset' | 'onStep'>> {
  /** Filled as the turn streams: `answeredAt` is set by the first answer text (reasoning never reaches onDelta). */
  timing: AnswerTiming
  /** Writes the deltas still held for the next frame into the message now (the turn ended, stopped or failed). */
  flush: () => void
}

/**
 * Streams a turn into `answer`, each change kept through `saveSoon` (throttled writes to IndexedDB). The deltas of
 * one frame reach `answer.content` together (chat-deltas.ts), so the reply re-renders once per frame, not per token;
 * a step or a withdrawn answer is applied after the text held before it. Call `flush` when the turn settles.
 */
export function streamInto(answer: StoredMessage, saveSoon: (m: StoredMessage) => void, schedule?: FrameScheduler): AnswerStream {
  // "Thought for N s": from the request to the first answer text.
  const timing: AnswerTiming = { requestedAt: performance.now(), answeredAt: 0 }
  const deltas = deltaBatcher((text) => {
    answer.content += text
    saveSoon(answer)
  }, schedule)
  return {
    timing,
    flush: deltas.flush,
    onDelta: (text) => {
      timing.answeredAt ||= performance.now()
      deltas.push(text)
    },
    // Streamed text that turned out not to be the answer (a tool loop answered again without tools) is dropped.
    onAnswerReset: () => {
      deltas.drop()
      answer.content = ''
      saveSoon(answer)
    },
    onStep: (step) => {
      deltas.flush()
      answer.steps = [...(answer.steps ?? []), step]
      saveSoon(answer)
    },
  }
}
