import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ChatMessage, ChatSummary, RequestMetrics } from '../engines/types'
import { AppError, toAppError } from '../protocol/errors'
import { useEngineStore } from './engine'
import { useModelsStore } from './models'
import { useSettingsStore } from './settings'

export interface ChatEntry extends ChatMessage {
  id: number
  /** Still receiving tokens. */
  isStreaming?: boolean
  /** How the answer was produced: with the chat template, or as a plain continuation. */
  mode?: ChatSummary['mode']
  /** Ended by Stop. */
  isStopped?: boolean
}

/** One conversation with the loaded model: messages, the answer being streamed, Stop, and the last metrics. */
export const useChatStore = defineStore('chat', () => {
  const messages = ref<ChatEntry[]>([])
  const isGenerating = ref(false)
  const error = ref<AppError | null>(null)
  const lastMetrics = ref<RequestMetrics | null>(null)
  let abort: AbortController | null = null
  let nextId = 0

  async function send(text: string): Promise<void> {
    const models = useModelsStore()
    const settings = useSettingsStore()
    const model = models.loaded
    if (!model) {
      error.value = new AppError('model_not_loaded')
      return
    }
    if (!text.trim() || isGenerating.value)
      return
    error.value = null
    const history: ChatMessage[] = messages.value.map(({ role, content }) => ({ role, content }))
    history.push({ role: 'user', content: text })
    messages.value.push({ id: ++nextId, role: 'user', content: text })
    messages.value.push({ id: ++nextId, role: 'assistant', content: '', isStreaming: true })
    const answer = messages.value[messages.value.length - 1]!
    abort = new AbortController()
    isGenerating.value = true
    try {
      const engine = useEngineStore()
      const stream = engine.localService().chat({
        messages: history,
        sampling: { temperature: settings.temperature, maxTokens: settings.maxTokens },
      }, { signal: abort.signal })
      for await (const chunk of stream) {
        if (chunk.type === 'delta')
          answer.content += chunk.text
        else {
          answer.mode = chunk.summary.mode
          lastMetrics.value = chunk.summary.metrics
          engine.recordMetrics(chunk.summary.metrics)
        }
      }
    }
    catch (err) {
      const e = toAppError(err, 'inference_failed')
      if (e.code === 'aborted')
        answer.isStopped = true
      else
        error.value = e
    }
    finally {
      answer.isStreaming = false
      isGenerating.value = false
      abort = null
    }
  }

  function stop(): void {
    abort?.abort()
  }

  function clear(): void {
    stop()
    messages.value = []
    error.value = null
  }

  return { messages, isGenerating, error, lastMetrics, send, stop, clear }
})
