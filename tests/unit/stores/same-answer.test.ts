/** Why a regenerated reply is the same: the next step names the setting that set temperature 0. */
import { describe, expect, it } from 'vitest'
import type { StoredMessage } from '../../../src/conversations/types'
import { sameAnswerNotice } from '../../../src/stores/chat-versions'

const reply = (content: string): StoredMessage => ({ id: content, conversationId: 'c', seq: 1, role: 'assistant', content, status: 'done', createdAt: 1 })

describe('sameAnswerNotice', () => {
  it('the person\'s own temperature 0: raise Creativity', () => {
    expect(sameAnswerNotice(reply('Paris.'), reply('Paris.'), 0)?.nextStep).toBe('Raise Creativity (temperature) in Settings, then Regenerate.')
  })

  it('the model\'s recommended temperature 0 (Settings shows 0.7): turn the recommendation off, not raise Creativity', () => {
    const notice = sameAnswerNotice(reply('Paris.'), reply('Paris.'), 0, true)
    expect(notice?.message).toContain('which this model recommends')
    expect(notice?.nextStep).toBe('Turn off "Use the model\'s recommended settings" in Settings > Model and generation, then Regenerate.')
  })

  it('nothing when the texts differ or the temperature was above 0', () => {
    expect(sameAnswerNotice(reply('Paris.'), reply('Lyon.'), 0, true)).toBeUndefined()
    expect(sameAnswerNotice(reply('Paris.'), reply('Paris.'), 0.7)).toBeUndefined()
  })
})
