/**
 * Issue 18 item 8: half an emoji (`"hello \uD83D"`) failed with "Invalid typed array length" in wllama, and the
 * question stayed in the history, so every later turn of that chat failed too.
 */
import { describe, expect, it } from 'vitest'
import { historyFor } from '../../../src/conversations/history'
import type { StoredMessage } from '../../../src/conversations/types'
import { DEFAULT_MANAGER_CONFIG } from '../../../src/orchestrator/manager-config'
import { ModelManager } from '../../../src/orchestrator/model-manager'
import { wellFormed } from '../../../src/contract/well-formed'
import { ScriptedService } from '../agent/scripted-service'

const isWellFormed = (s: string) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))

describe('well-formed text', () => {
  it('replaces lone surrogates with U+FFFD and keeps whole emoji', () => {
    expect(wellFormed('hello \uD83D')).toBe('hello \uFFFD')
    expect(wellFormed('\uDE00 x \uD83D\uDE00 \uD83D')).toBe('\uFFFD x \uD83D\uDE00 \uFFFD')
    expect(wellFormed('plain')).toBe('plain')
  })

  it('every request a backend receives carries well-formed text, tool call arguments included', async () => {
    const local = new ScriptedService('wllama', { isLocal: true, hasNativeToolCalls: false, hasSchemaOutput: true })
    local.script.push({ text: JSON.stringify({ thought: 't', tool: 'final_answer', answer: 'hi' }) })
    const manager = new ModelManager({ local: { wllama: local }, config: () => DEFAULT_MANAGER_CONFIG, isOnline: () => true })
    await manager.select('wllama', { id: 'm', repo: 'r', file: 'm.gguf' })
    await manager.runTurn({
      messages: [
        { role: 'user', content: 'hello \uD83D' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'calculator', arguments: '{"expression":"\uDE00"}' } }] },
        { role: 'tool', content: 'note \uD83D', tool_call_id: 'c', name: 'calculator' },
      ],
    })
    const sent = local.requests[0]!.messages
    expect(sent.map(m => m.content).join('') + JSON.stringify(sent.map(m => m.tool_calls))).toSatisfy(isWellFormed)
    expect(sent.map(m => m.content).join('\n')).toContain('hello \uFFFD')
  })

  it('a question whose reply failed is not replayed on the next turn; Regenerate still sends it', () => {
    const base = { conversationId: 'c', createdAt: 0 } as const
    const failed: StoredMessage[] = [
      { ...base, id: '1', seq: 0, role: 'user', content: 'hello \uD83D', status: 'done' },
      { ...base, id: '2', seq: 1, role: 'assistant', content: '', status: 'error', errorCode: 'inference_failed' },
    ]
    const next: StoredMessage = { ...base, id: '3', seq: 2, role: 'user', content: 'Hi again', status: 'done' }
    expect(historyFor([...failed, next])).toEqual([{ role: 'user', content: 'Hi again' }])
    expect(historyFor(failed.slice(0, 1))).toEqual([{ role: 'user', content: 'hello \uD83D' }])
  })
})
