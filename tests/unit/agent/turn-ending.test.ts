/**
 * How a reply ended reaches the turn result, so the chat can store and show it: the finish reason, the notice with its
 * next step, and reasoning kept apart from the answer (issue 18 items 1 and 3, carried through the agent).
 */
import { describe, expect, it } from 'vitest'
import { runPlainTurn } from '../../../src/agent/plain-turn'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { ToolRegistry, builtinTools } from '../../../src/agent/tools/registry'
import type { ChatChunk, ChatSummary } from '../../../src/contract/types'
import { METRICS, ScriptedService } from './scripted-service'

/** A service whose one reply ends with `ending`. */
function endingWith(ending: Partial<ChatSummary>): ScriptedService {
  const service = new ScriptedService('openai-compat', { isLocal: false })
  service.chat = async function* (): AsyncIterable<ChatChunk> {
    yield { type: 'delta', text: 'The answer so far' }
    yield { type: 'done', summary: { text: 'The answer so far', finishReason: 'stop', mode: 'chat', metrics: { ...METRICS }, ...ending } }
  }
  return service
}

const notice = { code: 'length', message: 'The server stopped at the length limit.', nextStep: 'Raise "Longest answer".' } as const

describe('turn endings', () => {
  it('a plain turn carries the finish reason, notice and reasoning of its reply', async () => {
    const turn = await runPlainTurn([{ role: 'user', content: 'hi' }], { service: endingWith({ finishReason: 'length', notice, reasoning: 'Thinking it over.' }) })
    expect(turn).toMatchObject({ outcome: 'answered', answer: 'The answer so far', finishReason: 'length', notice, reasoning: 'Thinking it over.' })
    expect(turn.messages).toEqual([{ role: 'assistant', content: 'The answer so far' }])
  })

  it('an agent turn carries them from its final request', async () => {
    const turn = await runAgentTurn([{ role: 'user', content: 'hi' }], {
      service: endingWith({ finishReason: 'length', notice, reasoning: 'Hmm.' }),
      tools: new ToolRegistry(builtinTools()),
    })
    expect(turn).toMatchObject({ outcome: 'answered', finishReason: 'length', notice, reasoning: 'Hmm.' })
  })
})
