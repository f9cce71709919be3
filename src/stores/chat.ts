import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { AgentStep } from '../agent/types'
import type { RequestMetrics } from '../contract/types'
import { newId, type StoredMessage } from '../conversations/types'
import { activePath } from '../conversations/branches'
import { historyForRequest } from '../conversations/history'
import { AppError, toAppError } from '../shared/errors'
import { toolConsentGate } from './chat-consent'
import { messageWriter } from './chat-persist'
import { useChatToolsStore } from './chat-tools'
import { prepareLocalModel, streamInto, writeAnswer } from './chat-turn'
import { sameAnswerNotice, versionNavigation } from './chat-versions'
import { combineNotices } from '../contract/reply-notice'
import { UNTITLED, titleFrom, useConversationsStore } from './conversations'
import { useEngineStore } from './engine'
import { answeringBackend, useModelManagerStore } from './manager'
import { useModelsStore } from './models'
import { useSettingsStore } from './settings'

/** A message of the open conversation, as kept in IndexedDB. */
export type ChatEntry = StoredMessage

export { PERSIST_THROTTLE_MS } from './chat-persist'
export type { ToolConsent } from './chat-consent'

/**
 * The open conversation: its messages (kept in IndexedDB as they grow), the reply being streamed, Stop,
 * Regenerate and edit-and-resend (both keep what was there as an earlier version: branches.ts), agent steps, and the
 * last metrics.
 */
export const useChatStore = defineStore('chat', () => {
  const conversations = useConversationsStore()
  /** Every message of the open conversation, every branch. */
  const all = ref<ChatEntry[]>([])
  /** The last message of the branch on screen; null: the newest branch. */
  const leafId = ref<string | null>(null)
  /** The branch on screen, first to last: what the chat shows and the only messages the model is sent. */
  const messages = computed(() => activePath(all.value, leafId.value))
  const isGenerating = ref(false)
  /** The last error. Shown at the composer unless it belongs to a reply (`errorReplyId`): then the reply shows it. */
  const error = ref<AppError | null>(null)
  /** The reply the last error is shown in; null when the error belongs to no reply. */
  const errorReplyId = ref<string | null>(null)
  /** The error to show at the composer: one that no reply shows, so each error is shown once. */
  const looseError = computed(() => (errorReplyId.value ? null : error.value))
  const lastMetrics = ref<RequestMetrics | null>(null)
  const { consent, askConsent, answerTool } = toolConsentGate()
  /** A first message is waiting for the local model to download or load (progress: the models store). */
  const isPreparingModel = ref(false)
  const chatTools = useChatToolsStore()
  let abort: AbortController | null = null
  /** The reply being streamed, wherever the person navigates meanwhile. */
  let live: ChatEntry | null = null
  /** Writes the live reply's deltas held for the next frame (chat-deltas.ts) into it now. */
  let flushLive: (() => void) | null = null
  const { save, saveSoon } = messageWriter(conversations)

  /** The conversation whose messages `messages` holds. */
  let openId: string | null = null
  const { versions, versionsOf, showVersion } = versionNavigation({ all, leafId, isGenerating, openId: () => openId, conversations })

  async function loadMessages(id: string | null): Promise<void> {
    openId = id
    const db = id ? await conversations.db() : null
    const loaded = db && id ? await db.listMessages(id) : []
    const leaf = db && id ? (await db.getConversation(id))?.leafId : undefined
    // Coming back to a conversation whose reply is still streaming shows the live reply, not its last saved copy.
    if (openId === id) {
      all.value = loaded.map(m => (m.id === live?.id ? live : m))
      leafId.value = live?.conversationId === id ? live.id : (leaf ?? null)
    }
  }

  // Another conversation was opened (selected, or the open one deleted or an import opened): show its messages.
  watch(() => conversations.currentId, (id) => {
    // The last error belonged to the conversation left behind (its reply keeps showing it there).
    if (id !== openId && !isGenerating.value) {
      error.value = null
      errorReplyId.value = null
    }
    if (id !== openId)
      void loadMessages(id).catch((err: unknown) => { conversations.error = toAppError(err, 'conversations_unavailable') })
  })

  // Another tab wrote to the open conversation: show its messages too (not while this tab is writing a reply).
  watch(() => conversations.changedElsewhere, (change) => {
    if (change && change.conversationId === openId && !isGenerating.value)
      void loadMessages(openId).catch((err: unknown) => { conversations.error = toAppError(err, 'conversations_unavailable') })
  })

  /** Opens the database and the latest conversation; replies cut off by a reload become interrupted. */
  async function init(): Promise<void> {
    await conversations.init()
    await loadMessages(conversations.currentId)
  }

  /** A new message after `parentId` (null: the first), shown at once: it ends the branch on screen. */
  function add(role: ChatEntry['role'], content: string, conversationId: string, status: ChatEntry['status'], parentId: string | null): ChatEntry {
    const seq = all.value.reduce((max, m) => Math.max(max, m.seq), -1) + 1
    all.value.push({ id: newId(), conversationId, seq, parentId, role, content, status, createdAt: Date.now() })
    const added = all.value[all.value.length - 1]!
    leafId.value = added.id
    return added
  }

  /**
   * Marks a run as started before its first await, so Send/Stop and `isGenerating` are right from the first click
   * and a Stop pressed while messages are being saved still stops the reply.
   */
  function begin(): AbortSignal {
    isGenerating.value = true
    error.value = null
    errorReplyId.value = null
    abort = new AbortController()
    return abort.signal
  }

  /**
   * Something can answer: a cloud backend, a loaded local model, Gemini as Auto's fallback, or a local model the
   * first message can download or load by itself (models.ensureLocalModel).
   */
  function canAnswer(): boolean {
    return useModelManagerStore().answerer !== null || useModelsStore().canPrepare
  }

  /** Sends `text` as the user's next message and streams the reply. */
  async function send(text: string): Promise<void> {
    if (!text.trim() || isGenerating.value)
      return
    if (!canAnswer()) {
      errorReplyId.value = null
      error.value = new AppError('model_not_loaded')
      return
    }
    await ask(text, begin(), messages.value.at(-1)?.id ?? null)
  }

  /** Adds the question after `parentId` and streams its reply. */
  async function ask(text: string, signal: AbortSignal, parentId: string | null): Promise<void> {
    let id = openId
    if (!id) {
      openId = newId()
      id = (await conversations.create(titleFrom(text), openId)).id
      chatTools.adoptPending(id)
    }
    else if (messages.value.length === 0 && conversations.list.find(c => c.id === id)?.title === UNTITLED)
      await conversations.rename(id, titleFrom(text))
    const question = add('user', text, id, 'done', parentId)
    await save(question)
    await generate(id, signal)
  }

  /**
   * Streams a reply to the messages so far into a new assistant message, through the model manager. `previous`: the
   * reply this one regenerates (a notice says why they are the same at temperature 0).
   */
  async function generate(conversationId: string, signal: AbortSignal, previous?: StoredMessage): Promise<void> {
    const models = useModelsStore()
    const settings = useSettingsStore()
    const engine = useEngineStore()
    const manager = useModelManagerStore()
    const answer = add('assistant', '', conversationId, 'streaming', messages.value.at(-1)?.id ?? null)
    answer.backend = 'wllama'
    live = answer
    await save(answer)
    try {
      signal.throwIfAborted()
      await prepareLocalModel(signal, isPreparingModel)
      const s = settings.snapshot()
      const history = historyForRequest(messages.value.slice(0, -1), s.systemPrompt)
      const target = answeringBackend(s, !!models.loaded)
      const isCloud = target === 'gemini' || target === 'openai-compat'
      answer.backend = target ?? 'wllama'
      answer.model = isCloud ? (target === 'gemini' ? s.geminiModel : s.openaiModel) : models.loaded?.model.file
      await manager.selectFromSettings(signal)
      const stream = streamInto(answer, saveSoon)
      flushLive = stream.flush
      const sampling = { temperature: s.temperature, topP: s.topP, topK: s.topK, maxTokens: s.maxTokens, ...(!isCloud && s.isModelSamplingOn && models.samplingModel?.sampling) }
      const result = await manager.runTurn({
        messages: history.messages,
        historySummary: history.summary,
        historyPolicy: s.historyPolicy,
        signal,
        sampling,
        useTools: chatTools.isOnFor(conversationId),
        onDelta: stream.onDelta,
        onAnswerReset: stream.onAnswerReset,
        onStep: stream.onStep,
        confirm: call => askConsent({ name: call.name, args: call.args }, signal),
      }).finally(stream.flush)
      const metrics = writeAnswer(answer, result, history, stream.timing)
      // The same answer again says why first; a reply cut at the length limit still says that too.
      if (previous)
        answer.notice = combineNotices(sameAnswerNotice(previous, answer, sampling.temperature, s.isModelSamplingOn && s.temperature !== sampling.temperature), answer.notice)
      if (metrics) {
        lastMetrics.value = metrics
        engine.recordMetrics(metrics)
      }
    }
    catch (err) {
      const e = toAppError(err, 'inference_failed')
      answer.status = e.code === 'aborted' ? 'stopped' : 'error'
      if (e.code !== 'aborted') {
        answer.errorCode = e.code
        answer.errorMessage = e.message
        error.value = e
        errorReplyId.value = answer.id
      }
    }
    finally {
      isGenerating.value = false
      isPreparingModel.value = false
      abort = null
      live = null
      flushLive = null
      await save(answer)
      // The conversation moved to the top of the list.
      await conversations.refresh()
    }
  }

  function stop(): void {
    // The text held for the next frame is shown with the stop, not after it.
    flushLive?.()
    abort?.abort()
  }

  /**
   * Writes the last reply again. The earlier reply stays as a version of it (`< 1/2 >` on the reply); the new one
   * is shown, and the model is sent only the branch up to the question.
   */
  async function regenerate(): Promise<void> {
    const last = messages.value.at(-1)
    const question = messages.value.at(-2)
    if (isGenerating.value || last?.role !== 'assistant' || !canAnswer())
      return
    const signal = begin()
    leafId.value = question?.id ?? null
    await generate(last.conversationId, signal, last)
  }

  /**
   * Sends `text` in place of a user message: a new version of it after the same message, answered anew. The earlier
   * question and everything after it stay as the other branch (`< 1/2 >` on the question).
   */
  async function editAndResend(messageId: string, text: string): Promise<void> {
    const index = messages.value.findIndex(m => m.id === messageId)
    if (isGenerating.value || index < 0 || messages.value[index]!.role !== 'user' || !text.trim())
      return
    if (!canAnswer()) {
      errorReplyId.value = null
      error.value = new AppError('model_not_loaded')
      return
    }
    await ask(text, begin(), messages.value[index - 1]?.id ?? null)
  }

  /** Adds an agent step to an assistant message (the agent loop calls this as it runs) and keeps it. */
  async function appendStep(messageId: string, step: AgentStep): Promise<void> {
    const m = messages.value.find(x => x.id === messageId)
    if (!m || m.role !== 'assistant')
      return
    m.steps = [...(m.steps ?? []), step]
    if (m.status === 'streaming')
      saveSoon(m)
    else
      await save(m)
  }

  /** Opens another conversation (or none). */
  function select(id: string | null): void {
    conversations.currentId = id
  }

  /** Deletes a conversation; a reply streaming into it is stopped first. */
  async function deleteConversation(id: string): Promise<void> {
    if (live?.conversationId === id)
      stop()
    await conversations.remove(id)
  }

  /**
   * Starts an empty conversation. When the open one is still empty, it is the new chat: no second empty one is
   * made (New chat pressed three times, or Ctrl/Cmd+K, leaves one).
   */
  async function newConversation(): Promise<void> {
    if (openId && !all.value.length && conversations.list.some(c => c.id === openId))
      return
    openId = newId()
    all.value = []
    leafId.value = null
    await conversations.create(UNTITLED, openId)
  }

  return {
    messages, isGenerating, isPreparingModel, error, errorReplyId, looseError, lastMetrics, consent, answerTool, init, send, stop,
    regenerate, editAndResend, versions, versionsOf, showVersion, appendStep, select, newConversation, deleteConversation,
  }
})
