// @vitest-environment happy-dom
/**
 * The chat store against a real WorkerService over a real InferenceConnection whose "worker" is a MessageChannel
 * running a real createWorkerHandler over a scripted engine: deltas, aborts and errors cross the same path as in the
 * app. The engine store hands out this service instead of its own (which would start a real Worker). Conversations
 * are kept in fake-indexeddb, a full IndexedDB in Node; a new Pinia over the same database stands for a reload.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { createPinia, getActivePinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InferenceConnection } from '../../../src/services/local/inference-connection'
import type { ChatRequest, ChatSummary } from '../../../src/contract/types'
import type { ChatRun } from '../../../src/workers/inference/worker-engine'
import { WorkerService } from '../../../src/services/local/worker-service'
import { RECOMMENDED_MODEL } from '../../../src/models/catalog'
import { deleteStoredModel, putStoredModel } from '../../../src/models/manifest'
import { AppError } from '../../../src/shared/errors'
import { useChatStore, type ChatEntry } from '../../../src/stores/chat'
import { useConversationsStore } from '../../../src/stores/conversations'
import { openConversationDb } from '../../../src/conversations/conversation-db'
import type { StoredMessage } from '../../../src/conversations/types'
import type { AgentStep } from '../../../src/agent/types'
import { useEngineStore } from '../../../src/stores/engine'
import { useModelsStore } from '../../../src/stores/models'
import { useSettingsStore } from '../../../src/stores/settings'
import { DEFAULT_DELTAS, STORIES, ScriptedEngine, closeFakeWorkers, fakeWorker, summaryOf } from '../engines/fakes'
import { refuseWrites } from '../conversations/quota-faults'

/** A scripted engine that also keeps every chat request as the worker received it. */
class RecordingEngine extends ScriptedEngine {
  readonly requests: ChatRequest[] = []

  override chat(req: ChatRequest, run: ChatRun): Promise<ChatSummary> {
    this.requests.push(req)
    return super.chat(req, run)
  }
}

const connections: InferenceConnection[] = []

/** A loaded model behind the engine store; `isLoaded: false` leaves the models store without one. */
async function setup({ isLoaded = true } = {}) {
  const worker = new RecordingEngine()
  const connection = new InferenceConnection(() => fakeWorker(worker).endpoint)
  connections.push(connection)
  const service = new WorkerService('wllama', connection, () => ({ nCtx: 512 }))
  await putStoredModel({
    ref: STORIES,
    fileName: 'stories260K.gguf',
    sizeBytes: 1_185_376,
    sha256: 'ab'.repeat(32),
    state: 'ready',
    hasChatTemplate: false,
    storedAt: 1_700_000_000_000,
  })
  await service.initialize(STORIES)

  const engine = useEngineStore()
  vi.spyOn(engine, 'localService').mockReturnValue(service)
  const chatSpy = vi.spyOn(service, 'chat')
  const models = useModelsStore()
  if (isLoaded)
    models.loaded = service.loadedModel
  return { chat: useChatStore(), engine, models, worker, chatSpy }
}

beforeEach(() => {
  localStorage.clear()
  // A fresh IndexedDB per test; the models manifest and the conversations both live in it.
  globalThis.indexedDB = new IDBFactory()
  setActivePinia(createPinia())
})

afterEach(async () => {
  for (const c of connections.splice(0))
    c.dispose()
  closeFakeWorkers()
  vi.restoreAllMocks()
  await deleteStoredModel(STORIES.id)
})

/** What the store wrote to IndexedDB for the open conversation, read through a separate connection. */
async function stored(): Promise<StoredMessage[]> {
  const db = await openConversationDb()
  const [latest] = await db.listConversations()
  const messages = latest ? await db.listMessages(latest.id) : []
  db.close()
  return messages
}

const shape = (m: ChatEntry | StoredMessage) => ({ role: m.role, content: m.content, status: m.status })

describe('chat store', () => {
  it('appends the question and an answer that receives the deltas in order, then records the metrics', async () => {
    const { chat, engine, worker } = await setup()
    worker.turns.set('Tell me a story', { deltas: DEFAULT_DELTAS, holdAfter: 2 })

    const sending = chat.send('Tell me a story')
    await vi.waitFor(() => expect(worker.isHolding('Tell me a story')).toBe(true))
    expect(chat.isGenerating).toBe(true)
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('Once upon'))
    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'Tell me a story', status: 'done' },
      { role: 'assistant', content: 'Once upon', status: 'streaming' },
    ])
    expect(chat.lastMetrics).toBeNull()

    worker.release('Tell me a story')
    await sending

    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'Tell me a story', status: 'done' },
      { role: 'assistant', content: 'Once upon a time', status: 'done' },
    ])
    const answer = chat.messages[1]!
    expect(answer).toMatchObject({ mode: 'completion', backend: 'wllama', model: 'stories260K.gguf' })
    expect(answer.metrics).toEqual(chat.lastMetrics)
    expect(chat.isGenerating).toBe(false)
    expect(chat.error).toBeNull()
    expect(chat.lastMetrics).toEqual({ ...summaryOf(DEFAULT_DELTAS).metrics, queueWaitMs: expect.any(Number) })
    expect(engine.metrics).toEqual([chat.lastMetrics])
  })

  it('keeps the conversation in IndexedDB, titled by its first message, with the reply\'s metrics', async () => {
    const { chat } = await setup()
    await chat.send('Tell me a story\nabout a cat')

    const conversations = useConversationsStore()
    expect(conversations.list.map(c => c.title)).toEqual(['Tell me a story'])
    const saved = await stored()
    expect(saved.map(shape)).toEqual(chat.messages.map(shape))
    expect(saved[1]?.metrics).toEqual(chat.lastMetrics)
    expect(saved.map(m => m.seq)).toEqual([0, 1])
  })

  it('writes a reply while it streams, and after a reload it is kept and marked interrupted', async () => {
    const { chat, worker } = await setup()
    worker.turns.set('long story', { deltas: ['It', ' was', ' dark'], holdAfter: 2 })

    const sending = chat.send('long story')
    await vi.waitFor(() => expect(worker.isHolding('long story')).toBe(true))
    // The growing reply reaches IndexedDB (throttled) without waiting for the end.
    await vi.waitFor(async () => expect((await stored()).map(shape)[1]).toEqual({ role: 'assistant', content: 'It was', status: 'streaming' }))

    // "Reload": a new Pinia over the same database, while the old reply never finished.
    const before = getActivePinia()
    setActivePinia(createPinia())
    const reloaded = useChatStore()
    await reloaded.init()
    const count = useConversationsStore().interruptedCount
    setActivePinia(before)
    worker.release('long story')
    await sending

    expect(count).toBe(1)
    expect(reloaded.messages.map(shape)).toEqual([
      { role: 'user', content: 'long story', status: 'done' },
      { role: 'assistant', content: 'It was', status: 'interrupted' },
    ])
  })

  it('sets model_not_loaded and appends nothing when no model is loaded and none can be set up', async () => {
    const { chat, models, worker, chatSpy } = await setup({ isLoaded: false })
    // The recommended model is not on this hub, and nothing is stored: the first message cannot set one up.
    models.availability = new Map([[RECOMMENDED_MODEL.id, 'missing']])

    await chat.send('hello')

    expect(chat.error).toBeInstanceOf(AppError)
    expect(chat.error?.code).toBe('model_not_loaded')
    expect(chat.messages).toEqual([])
    expect(chat.isGenerating).toBe(false)
    expect(chatSpy).not.toHaveBeenCalled()
    expect(worker.seen).toEqual([])
    expect(useConversationsStore().list).toEqual([])
  })

  it('with no model loaded, the first message shows at once, sets up the model (progress in between), then is answered', async () => {
    const { chat, models, worker } = await setup({ isLoaded: false })
    let finishSetup: () => void = () => {}
    const ensure = vi.spyOn(models, 'ensureLocalModel').mockImplementation(() => new Promise((resolve) => {
      finishSetup = () => {
        models.loaded = useEngineStore().localService().loadedModel
        resolve(true)
      }
    }))
    expect(models.canPrepare).toBe(true)

    const sending = chat.send('Tell me a story')
    await vi.waitFor(() => expect(chat.isPreparingModel).toBe(true))
    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'Tell me a story', status: 'done' },
      { role: 'assistant', content: '', status: 'streaming' },
    ])
    expect(worker.seen).toEqual([])
    finishSetup()
    await sending

    expect(ensure).toHaveBeenCalledOnce()
    expect(chat.isPreparingModel).toBe(false)
    expect(chat.error).toBeNull()
    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'Tell me a story', status: 'done' },
      { role: 'assistant', content: 'Once upon a time', status: 'done' },
    ])
  })

  it('a setup that fails (download refused) marks the reply failed with its error; Stop during setup stops it', async () => {
    const { chat, models } = await setup({ isLoaded: false })
    vi.spyOn(models, 'ensureLocalModel').mockImplementation(async () => {
      models.error = new AppError('model_not_found', 'SmolLM2 135M Instruct is not on this model hub (127.0.0.1).')
      return false
    })
    await chat.send('hello')
    expect(chat.error?.code).toBe('model_not_found')
    expect(chat.messages[1]).toMatchObject({ status: 'error', errorCode: 'model_not_found' })

    let resolveSetup: (ok: boolean) => void = () => {}
    vi.spyOn(models, 'ensureLocalModel').mockImplementation(() => new Promise((resolve) => { resolveSetup = resolve }))
    const sending = chat.send('again')
    await vi.waitFor(() => expect(chat.isPreparingModel).toBe(true))
    chat.stop()
    resolveSetup(false)
    await sending
    expect(chat.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'stopped' })
    expect(chat.isGenerating).toBe(false)
  })

  it('stop() ends the answer as stopped, without an error, and the next send works', async () => {
    const { chat, engine, worker } = await setup()
    worker.turns.set('long story', { deltas: ['It', ' was', ' dark'], holdAfter: 1 })

    const sending = chat.send('long story')
    await vi.waitFor(() => expect(worker.isHolding('long story')).toBe(true))
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('It'))
    chat.stop()
    await sending

    expect(shape(chat.messages[1]!)).toEqual({ role: 'assistant', content: 'It', status: 'stopped' })
    expect((await stored()).map(m => m.status)).toEqual(['done', 'stopped'])
    expect(chat.error).toBeNull()
    expect(chat.isGenerating).toBe(false)
    expect(chat.lastMetrics).toBeNull()
    expect(engine.metrics).toEqual([])

    await chat.send('again')

    expect(chat.messages.slice(2).map(shape)).toEqual([
      { role: 'user', content: 'again', status: 'done' },
      { role: 'assistant', content: 'Once upon a time', status: 'done' },
    ])
    expect(chat.error).toBeNull()
    expect(worker.seen.map(s => s.prompt)).toEqual(['long story', 'again'])
  })

  it('is generating from the moment Send is pressed, and a Stop before the first token stops the reply', async () => {
    const { chat, worker } = await setup()

    const sending = chat.send('quick stop')
    expect(chat.isGenerating).toBe(true)
    chat.stop()
    await sending

    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'quick stop', status: 'done' },
      { role: 'assistant', content: '', status: 'stopped' },
    ])
    expect(chat.isGenerating).toBe(false)
    expect(chat.error).toBeNull()
    expect(worker.seen).toEqual([])
  })

  it('sets the stream\'s error and keeps the answer where it was, marked failed, when the model fails mid-answer', async () => {
    const { chat, engine, worker } = await setup()
    const failure = new AppError('inference_failed', 'The model failed while decoding (test).')
    worker.turns.set('fail', { deltas: ['Half', ' an'], failWith: failure })

    await chat.send('fail')

    expect(chat.error).toBeInstanceOf(AppError)
    expect(chat.error?.code).toBe('inference_failed')
    expect(chat.error?.message).toBe('The model failed while decoding (test).')
    expect(chat.messages[1]).toMatchObject({ content: 'Half an', status: 'error', errorCode: 'inference_failed' })
    expect(chat.isGenerating).toBe(false)
    expect(chat.lastMetrics).toBeNull()
    expect(engine.metrics).toEqual([])
  })

  it('ignores a send while an answer is being generated', async () => {
    const { chat, worker } = await setup()
    worker.turns.set('first', { deltas: ['a'], holdAfter: 0 })
    const sending = chat.send('first')
    await vi.waitFor(() => expect(worker.isHolding('first')).toBe(true))

    await chat.send('second')
    expect(chat.messages.map(m => m.content)).toEqual(['first', ''])

    worker.release('first')
    await sending
    expect(worker.seen.map(s => s.prompt)).toEqual(['first'])
  })

  it('sends the earlier turns in order, as role and content only, with the settings\' sampling', async () => {
    const { chat, worker, chatSpy } = await setup()
    worker.turns.set('Who was there?', { deltas: ['A', ' cat'] })

    await chat.send('Tell me a story')
    await chat.send('Who was there?')

    expect(chat.error).toBeNull()
    expect(chatSpy).toHaveBeenCalledTimes(2)
    const expected: ChatRequest = {
      messages: [
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon a time' },
        { role: 'user', content: 'Who was there?' },
      ],
      sampling: { temperature: 0.7, topP: 0.95, topK: 40, maxTokens: 256 },
    }
    // What the store handed the service, and what reached the engine across the worker boundary.
    expect(chatSpy.mock.calls[1]?.[0]).toEqual(expected)
    expect(worker.requests[1]).toEqual(expected)
    expect(worker.requests[0]?.messages).toEqual([{ role: 'user', content: 'Tell me a story' }])
    expect(chat.messages.at(-1)?.content).toBe('A cat')
  })

  it('uses the loaded model\'s recommended sampling while that setting is on, and the typed values once it is off', async () => {
    const { chat, models, worker } = await setup()
    // The loaded model has a catalog entry recommending greedy decoding, as the recommended model's does.
    expect(RECOMMENDED_MODEL.sampling).toEqual({ temperature: 0 })
    models.catalog = [...models.catalog, { ...STORIES, label: 'Stories', sampling: { temperature: 0 } }]
    await chat.send('Tell me a story')
    expect(worker.requests[0]?.sampling).toEqual({ temperature: 0, topP: 0.95, topK: 40, maxTokens: 256 })

    useSettingsStore().isModelSamplingOn = false
    await chat.send('Tell me a story')
    expect(worker.requests[1]?.sampling).toEqual({ temperature: 0.7, topP: 0.95, topK: 40, maxTokens: 256 })
  })

  it('regenerate() keeps the earlier reply as a version (1/2 <-> 2/2), in IndexedDB, and sends only the question', async () => {
    const { chat, worker } = await setup()
    worker.turns.set('Tell me a story', { deltas: ['First'] })
    await chat.send('Tell me a story')
    const firstId = chat.messages[1]!.id
    worker.turns.set('Tell me a story', { deltas: ['Second', ' try'] })

    await chat.regenerate()

    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'Tell me a story', status: 'done' },
      { role: 'assistant', content: 'Second try', status: 'done' },
    ])
    const secondId = chat.messages[1]!.id
    expect(secondId).not.toBe(firstId)
    expect(chat.versionsOf(secondId)).toMatchObject({ index: 1, count: 2 })
    // Both replies are kept, each after the same question.
    expect((await stored()).map(m => [m.content, m.parentId])).toEqual([
      ['Tell me a story', null], ['First', chat.messages[0]!.id], ['Second try', chat.messages[0]!.id],
    ])
    expect(worker.requests.map(r => r.messages.map(m => m.content))).toEqual([['Tell me a story'], ['Tell me a story']])

    await chat.showVersion(secondId, -1)
    expect(chat.messages.map(m => m.content)).toEqual(['Tell me a story', 'First'])
    expect(chat.versionsOf(firstId)).toMatchObject({ index: 0, count: 2 })

    // The next message follows the version on screen, and the model is sent only that branch.
    worker.turns.set('And then?', { deltas: ['The end'] })
    await chat.send('And then?')
    expect(worker.requests.at(-1)?.messages.map(m => m.content)).toEqual(['Tell me a story', 'First', 'And then?'])

    // A reload shows the same branch.
    setActivePinia(createPinia())
    const reloaded = useChatStore()
    await reloaded.init()
    expect(reloaded.messages.map(m => m.content)).toEqual(['Tell me a story', 'First', 'And then?', 'The end'])
    expect(reloaded.versionsOf(firstId)).toMatchObject({ index: 0, count: 2 })
    await reloaded.showVersion(firstId, 1)
    expect(reloaded.messages.map(m => m.content)).toEqual(['Tell me a story', 'Second try'])
  })

  it('a regenerated reply equal to the one before at temperature 0 says why, and how to get another (issue 16)', async () => {
    const { chat, worker } = await setup()
    const settings = useSettingsStore()
    settings.isModelSamplingOn = false
    settings.temperature = 0
    worker.turns.set('Tell me a story', { deltas: ['Same', ' story'], finishReason: 'stop' })
    await chat.send('Tell me a story')
    expect(chat.messages[1]!.notice).toBeUndefined()
    await chat.regenerate()
    expect(worker.requests.at(-1)?.sampling?.temperature).toBe(0)
    expect(chat.messages[1]!.notice).toMatchObject({ code: 'same_answer', nextStep: expect.stringContaining('temperature') })
    expect((await stored()).at(-1)?.notice?.code).toBe('same_answer')

    // Above 0 a same text is chance, and a different text needs no word.
    settings.temperature = 0.7
    await chat.regenerate()
    expect(chat.messages[1]!.content).toBe('Same story')
    expect(chat.messages[1]!.notice).toBeUndefined()
    settings.temperature = 0
    worker.turns.set('Tell me a story', { deltas: ['Other'], finishReason: 'stop' })
    await chat.regenerate()
    expect(chat.messages[1]!.notice).toBeUndefined()
  })

  it('the same answer again, cut at the length limit both times: one notice that says why it is the same, then the cut', async () => {
    const { chat, worker } = await setup()
    const settings = useSettingsStore()
    settings.isModelSamplingOn = false
    settings.temperature = 0
    worker.turns.set('Tell me a story', { deltas: ['Same', ' story'], mode: 'chat' })
    await chat.send('Tell me a story')
    expect(chat.messages[1]!.notice?.code).toBe('length')
    await chat.regenerate()
    expect(chat.messages[1]!.notice).toMatchObject({ code: 'same_answer', message: expect.stringMatching(/length limit/), nextStep: expect.stringContaining('temperature') })
  })

  it('editAndResend() keeps the earlier question and its answers as the other branch of the edited message', async () => {
    const { chat, worker } = await setup()
    await chat.send('one')
    await chat.send('two')
    const original = chat.messages[0]!.id
    worker.turns.set('one, edited', { deltas: ['Edited', ' reply'] })

    await chat.editAndResend(original, 'one, edited')

    expect(chat.messages.map(shape)).toEqual([
      { role: 'user', content: 'one, edited', status: 'done' },
      { role: 'assistant', content: 'Edited reply', status: 'done' },
    ])
    expect(worker.requests.at(-1)?.messages).toEqual([{ role: 'user', content: 'one, edited' }])
    expect((await stored()).map(m => m.content)).toEqual(['one', 'Once upon a time', 'two', 'Once upon a time', 'one, edited', 'Edited reply'])
    expect(chat.versionsOf(chat.messages[0]!.id)).toMatchObject({ index: 1, count: 2 })

    await chat.showVersion(chat.messages[0]!.id, -1)
    expect(chat.messages.map(m => m.content)).toEqual(['one', 'Once upon a time', 'two', 'Once upon a time'])
    expect(chat.versionsOf(original)).toMatchObject({ index: 0, count: 2 })
  })

  it('a failed reply shows its error itself (not again at the composer), and a refused send shows it at the composer', async () => {
    const { chat, worker } = await setup()
    worker.turns.set('fail', { deltas: [], failWith: new AppError('service_unavailable', 'The server at localhost:9 did not answer: no connection could be made to it.') })
    await chat.send('fail')
    expect(chat.messages[1]).toMatchObject({ status: 'error', errorCode: 'service_unavailable', errorMessage: expect.stringContaining('localhost:9') })
    expect(chat.errorReplyId).toBe(chat.messages[1]!.id)
    expect(chat.error?.code).toBe('service_unavailable')
    expect(chat.looseError).toBeNull()
  })

  it('New chat on an empty chat reuses it: pressed three times, one conversation', async () => {
    const { chat } = await setup()
    await chat.init()
    await chat.newConversation()
    await chat.newConversation()
    await chat.newConversation()
    const conversations = useConversationsStore()
    expect(conversations.list).toHaveLength(1)
    await chat.send('first chat')
    await chat.newConversation()
    await chat.newConversation()
    expect(conversations.list.map(c => c.title)).toEqual(['New chat', 'first chat'])
  })

  it('appendStep() adds agent steps to an assistant message and keeps them', async () => {
    const { chat } = await setup()
    await chat.send('What is 2+2?')
    const answer = chat.messages[1]!
    const steps: AgentStep[] = [
      { kind: 'thought', text: 'I should calculate.' },
      { kind: 'tool_call', callId: 'c1', name: 'calculator', arguments: { expression: '2+2' } },
      { kind: 'observation', callId: 'c1', name: 'calculator', content: '4', isError: false },
    ]
    for (const step of steps)
      await chat.appendStep(answer.id, step)
    await chat.appendStep(chat.messages[0]!.id, { kind: 'thought', text: 'not on a user message' })

    expect(chat.messages[1]?.steps).toEqual(steps)
    expect(chat.messages[0]?.steps).toBeUndefined()
    expect((await stored())[1]?.steps).toEqual(steps)
  })

  it('opens another conversation with its own messages, and a new one starts empty', async () => {
    const { chat } = await setup()
    await chat.send('first chat')
    await chat.newConversation()
    expect(chat.messages).toEqual([])
    await chat.send('second chat')
    const conversations = useConversationsStore()
    expect(conversations.list.map(c => c.title)).toEqual(['second chat', 'first chat'])

    chat.select(conversations.list[1]!.id)

    await vi.waitFor(() => expect(chat.messages.map(m => m.content)).toEqual(['first chat', 'Once upon a time']))
  })
})

describe('chat store when storage is full (issue 17 item 10)', () => {
  it('shows the reply, says storage is full (not "leave private browsing"), marks the turn unsaved, and saves it once there is room', async () => {
    const { chat } = await setup()
    await chat.send('First')
    const conversations = useConversationsStore()
    const restore = refuseWrites('commit')
    try {
      await chat.send('Tell me a story')
      expect(chat.messages.map(shape).slice(2)).toEqual([
        { role: 'user', content: 'Tell me a story', status: 'done' },
        { role: 'assistant', content: 'Once upon a time', status: 'done' },
      ])
      expect(conversations.error?.code).toBe('storage_full')
      expect(conversations.error?.action).toContain('Delete downloaded models or old chats')
      expect(conversations.unsaved).toEqual(chat.messages.slice(2).map(m => m.id))
      expect((await stored()).map(m => m.content)).toEqual(['First', 'Once upon a time'])
    }
    finally {
      restore()
    }
    // Space was freed (a model deleted): the library asks the conversations to try again.
    await conversations.retrySaving()
    expect(conversations.unsaved).toEqual([])
    expect(conversations.error).toBeNull()
    // A reload: a new Pinia over the same database has the whole turn.
    setActivePinia(createPinia())
    const reloaded = useChatStore()
    await reloaded.init()
    expect(reloaded.messages.map(m => m.content)).toEqual(['First', 'Once upon a time', 'Tell me a story', 'Once upon a time'])
  })
})
