/**
 * The save queue says which writes storage refused, not which are merely in flight: every reply waits a moment for
 * its write, and reading "pending" as "unsaved" flashed "Not saved yet" (tooltip "Storage is full") on ordinary
 * replies at 1 % used (a newcomer's report).
 */
import { describe, expect, it } from 'vitest'
import { SaveQueue, storageFullError, type PendingWrite, type SaveQueueState } from '../../../src/conversations/save-queue'
import type { StoredMessage } from '../../../src/conversations/types'

const message = (id: string) => ({ kind: 'message', value: { id, conversationId: 'c', seq: 1, role: 'user', content: id, status: 'done', createdAt: 1 } as StoredMessage, now: 1 }) as unknown as PendingWrite

describe('SaveQueue state', () => {
  it('a write in flight is not unsaved; a refused one is, until it is stored', async () => {
    const seen: SaveQueueState[] = []
    let release: () => void = () => {}
    let refuse = false
    const queue = new SaveQueue(async () => {
      if (refuse)
        throw storageFullError()
      await new Promise<void>((resolve) => { release = resolve })
    }, { retryDelaysMs: [60_000], onChange: s => seen.push(s) })

    const first = queue.write(message('m1'))
    await Promise.resolve()
    expect(queue.size).toBe(1)
    expect(queue.state()).toEqual({ unsavedMessageIds: [], unsavedConversationIds: [], error: null })
    release()
    await first
    expect(seen.every(s => s.unsavedMessageIds.length === 0)).toBe(true)

    refuse = true
    await expect(queue.write(message('m2'))).rejects.toMatchObject({ code: 'storage_full' })
    expect(queue.state().unsavedMessageIds).toEqual(['m2'])
    expect(queue.state().error?.code).toBe('storage_full')

    refuse = false
    const retried = queue.retry()
    await Promise.resolve()
    release()
    expect(await retried).toBe(true)
    expect(queue.state()).toEqual({ unsavedMessageIds: [], unsavedConversationIds: [], error: null })
    queue.dispose()
  })
})
