/**
 * Issue 17 item 10: storage full while saving a conversation. The notice said "leave private browsing, reload", and
 * following it lost the turn. Now a refused write (QuotaExceededError from `put`, or a transaction aborted at commit
 * with it, or Firefox's name for it) is reported as 'storage_full', the message stays readable from memory, marked
 * unsaved, and is written, in order, on the next write, on a timer, or when space is freed. fake-indexeddb is made to
 * refuse writes (quota-faults.ts); a second connection to the same database stands for a reload.
 */
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openConversationDb, type ConversationDb } from '../../../src/conversations/conversation-db'
import type { StoredMessage } from '../../../src/conversations/types'
import { AppError } from '../../../src/shared/errors'
import { isQuotaError } from '../../../src/shared/quota'
import { refuseWrites, type QuotaFault } from './quota-faults'

const open: ConversationDb[] = []
let restore: (() => void) | undefined
async function connect(retryDelaysMs: readonly number[] = [60_000]): Promise<ConversationDb> {
  const d = await openConversationDb(undefined, { retryDelaysMs })
  open.push(d)
  return d
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory()
})
afterEach(() => {
  restore?.()
  restore = undefined
  for (const d of open.splice(0))
    d.close()
})

const msg = (id: string, seq: number, content: string, conversationId = 'c'): StoredMessage =>
  ({ id, conversationId, seq, role: seq % 2 ? 'assistant' : 'user', content, status: 'done', createdAt: 1 })

async function texts(d: ConversationDb, conversationId = 'c'): Promise<string[]> {
  return (await d.listMessages(conversationId)).map(m => m.content)
}

describe('isQuotaError', () => {
  it.each([
    ['Chromium and WebKit', new DOMException('The quota has been exceeded.', 'QuotaExceededError')],
    ['Firefox localStorage', new DOMException('Persistent storage maximum size reached', 'NS_ERROR_DOM_QUOTA_REACHED')],
    ['a full disk in Firefox', Object.assign(new Error('disk full'), { name: 'NS_ERROR_FILE_NO_DEVICE_SPACE' })],
    ['a legacy code 22', Object.assign(new Error('QUOTA_EXCEEDED_ERR'), { code: 22 })],
    ['a wrapped one', new Error('save failed', { cause: new DOMException('x', 'QuotaExceededError') })],
    ['an AppError saying so', new AppError('storage_full')],
  ])('recognises %s', (_, err) => {
    expect(isQuotaError(err)).toBe(true)
  })

  it.each([
    ['an abort', new DOMException('x', 'AbortError')],
    ['a clone failure', new DOMException('x', 'DataCloneError')],
    ['an unknown error', new DOMException('x', 'UnknownError')],
    ['a string', 'QuotaExceededError'],
    ['nothing', undefined],
  ])('does not take %s for it', (_, err) => {
    expect(isQuotaError(err)).toBe(false)
  })
})

describe.each<[QuotaFault, string]>([['put', 'QuotaExceededError'], ['commit', 'QuotaExceededError'], ['commit', 'NS_ERROR_DOM_QUOTA_REACHED']])(
  'storage full (%s refused, %s)',
  (fault, name) => {
    it('reports storage_full, keeps the turn readable and marked unsaved, and saves it in order with the next write', async () => {
      const d = await connect()
      await d.putConversation({ id: 'c', title: 'Eggs', createdAt: 1, updatedAt: 1 })
      await d.putMessage(msg('q0', 0, 'first question'))
      restore = refuseWrites(fault, name)

      const refused = await d.putMessage(msg('q1', 2, 'How long do I boil an egg?')).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(AppError)
      expect((refused as AppError).code).toBe('storage_full')
      // The reply of the same turn is kept too, after the question, even though it was never tried alone.
      await expect(d.putMessage(msg('r1', 3, 'About nine minutes.'))).rejects.toMatchObject({ code: 'storage_full' })
      await expect(d.putMessage(msg('r1', 3, 'About nine minutes, then cold water.'))).rejects.toMatchObject({ code: 'storage_full' })
      expect(d.saveState().unsavedMessageIds).toEqual(['q1', 'r1'])
      expect(await texts(d)).toEqual(['first question', 'How long do I boil an egg?', 'About nine minutes, then cold water.'])

      // Nothing of it reached the database yet: another tab (or a reload) sees only what was stored.
      const other = await connect()
      expect(await texts(other)).toEqual(['first question'])

      restore()
      await d.putMessage(msg('q2', 4, 'And a duck egg?'))
      expect(d.saveState()).toEqual({ unsavedMessageIds: [], unsavedConversationIds: [], error: null })
      const stored = await other.listMessages('c')
      expect(stored.map(m => [m.seq, m.content])).toEqual([
        [0, 'first question'], [1, 'How long do I boil an egg?'], [2, 'About nine minutes, then cold water.'], [3, 'And a duck egg?'],
      ])
    })
  },
)

describe('retries without another write', () => {
  it('on a timer: the refused reply is stored once the fault stops', async () => {
    const d = await connect([20])
    await d.putConversation({ id: 'c', title: 'T', createdAt: 1, updatedAt: 1 })
    restore = refuseWrites('commit')
    await expect(d.putMessage(msg('q', 0, 'question'))).rejects.toMatchObject({ code: 'storage_full' })
    restore()
    await expect.poll(() => d.saveState().unsavedMessageIds).toEqual([])
    expect(await texts(await connect())).toEqual(['question'])
  })

  it('when a conversation is deleted (space freed); the deleted one\'s own unsaved messages are forgotten', async () => {
    const d = await connect()
    await d.putConversation({ id: 'old', title: 'Old', createdAt: 1, updatedAt: 1 })
    await d.putConversation({ id: 'c', title: 'T', createdAt: 1, updatedAt: 1 })
    restore = refuseWrites('put')
    await expect(d.putMessage(msg('o', 0, 'old one', 'old'))).rejects.toMatchObject({ code: 'storage_full' })
    await expect(d.putMessage(msg('q', 0, 'keep me'))).rejects.toMatchObject({ code: 'storage_full' })
    restore()
    await d.deleteConversation('old')
    await expect.poll(() => d.saveState().unsavedMessageIds).toEqual([])
    const other = await connect()
    expect(await texts(other)).toEqual(['keep me'])
    expect(await texts(other, 'old')).toEqual([])
  })

  it('a conversation created while full is kept, listed, and stored before its messages', async () => {
    const d = await connect()
    restore = refuseWrites('commit')
    await expect(d.putConversation({ id: 'n', title: 'New', createdAt: 5, updatedAt: 5 })).rejects.toMatchObject({ code: 'storage_full' })
    await expect(d.putMessage(msg('q', 0, 'hello', 'n'))).rejects.toMatchObject({ code: 'storage_full' })
    expect((await d.listConversations()).map(c => c.title)).toEqual(['New'])
    expect(d.saveState().unsavedConversationIds).toEqual(['n'])
    // An export taken now keeps what is only in memory.
    expect((await d.exportAll())[0]?.messages.map(m => m.content)).toEqual(['hello'])
    restore()
    expect(await d.retrySaving()).toBe(true)
    const other = await connect()
    expect((await other.listConversations()).map(c => c.title)).toEqual(['New'])
    expect(await texts(other, 'n')).toEqual(['hello'])
  })

  it('deleting an unsaved message (regenerate) forgets it instead of writing it later', async () => {
    const d = await connect()
    await d.putConversation({ id: 'c', title: 'T', createdAt: 1, updatedAt: 1 })
    restore = refuseWrites('put')
    await expect(d.putMessage(msg('r', 1, 'a reply to drop'))).rejects.toMatchObject({ code: 'storage_full' })
    restore()
    await d.deleteMessages(['r'])
    await d.putMessage(msg('r2', 1, 'the new reply'))
    expect(await texts(await connect())).toEqual(['the new reply'])
  })
})

describe('other refusals', () => {
  it('a write failing for another reason is conversation_not_saved, not the private-browsing advice', async () => {
    const d = await connect()
    await d.putConversation({ id: 'c', title: 'T', createdAt: 1, updatedAt: 1 })
    restore = refuseWrites('commit', 'UnknownError')
    await expect(d.putMessage(msg('q', 0, 'x'))).rejects.toMatchObject({ code: 'conversation_not_saved' })
    expect(d.saveState().unsavedMessageIds).toEqual([])
  })

  it('an import that does not fit is storage_full with nothing added', async () => {
    const d = await connect()
    restore = refuseWrites('commit')
    await expect(d.addAll([{ id: 'i', title: 'Imported', createdAt: 1, updatedAt: 1, messages: [msg('m', 0, 'x', 'i')] }]))
      .rejects.toMatchObject({ code: 'storage_full', message: expect.stringContaining('Nothing was added') })
    restore()
    expect(await d.listConversations()).toEqual([])
  })
})
