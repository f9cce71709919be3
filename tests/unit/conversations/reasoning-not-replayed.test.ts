/**
 * Issue 18 item 3: a reply's reasoning is stored with it and shown, but never sent back to the model as answer text,
 * on the next turn's history, whichever backend answers it (a `<think>` block left in an imported reply's text is
 * taken out on the wire too).
 */
import { describe, expect, it } from 'vitest'
import { historyFor } from '../../../src/conversations/history'
import type { StoredMessage } from '../../../src/conversations/types'
import { toGeminiPrompt } from '../../../src/services/gemini/gemini-messages'
import { cloudModel } from '../../../src/services/cloud/cloud-common'
import { OpenAICompatService } from '../../../src/services/openai-compat/openai-compat-service'
import { openai, startOpenAIServer } from '../../fixtures/openai-server'
import { collect } from '../engines/cloud-service-cases'

const base = { conversationId: 'c', status: 'done', createdAt: 0 } as const
const stored: StoredMessage[] = [
  { ...base, id: '1', seq: 0, role: 'user', content: 'What is 2 + 2?' },
  { ...base, id: '2', seq: 1, role: 'assistant', content: 'It is 4.', reasoning: 'SECRET-REASONING: two and two.' },
  { ...base, id: '3', seq: 2, role: 'user', content: 'And 3 + 3?' },
  { ...base, id: '4', seq: 3, role: 'assistant', content: '<think>SECRET-THINK-TAG</think>It is 6.' },
  { ...base, id: '5', seq: 4, role: 'user', content: 'Thanks' },
]

describe('reasoning is never replayed as answer text (issue 18 item 3)', () => {
  it('the next request\'s history carries the answer, not the stored reasoning', () => {
    const history = historyFor(stored)
    expect(history[1]).toEqual({ role: 'assistant', content: 'It is 4.' })
    expect(JSON.stringify(history)).not.toContain('SECRET-REASONING')
  })

  it('a <think> block in a reply\'s text is taken out before it reaches Gemini', () => {
    const prompt = toGeminiPrompt(historyFor(stored))
    const sent = JSON.stringify(prompt.contents)
    expect(sent).toContain('It is 6.')
    expect(sent).not.toContain('SECRET-THINK-TAG')
    expect(sent).not.toContain('SECRET-REASONING')
  })

  it('and from the body the OpenAI-compatible service sends', async () => {
    const server = await startOpenAIServer()
    try {
      server.script.push(openai.text('ok'))
      const service = new OpenAICompatService({ baseUrl: server.url })
      await service.initialize(cloudModel('m'))
      await collect(service, { messages: historyFor(stored) })
      const sent = JSON.stringify(server.received[0]!.body)
      expect(sent).toContain('It is 6.')
      expect(sent).not.toContain('SECRET-THINK-TAG')
      expect(sent).not.toContain('SECRET-REASONING')
    }
    finally {
      await server.close()
    }
  })
})
