/**
 * Issue 18 item 12: `search_notes` with an empty query returned every note to a cloud model, without asking. A query
 * is required, and notes reach a cloud model only once the person has allowed it (remembered per service).
 */
import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it } from 'vitest'
import { runAgentTurn } from '../../../src/agent/react-loop'
import { saveNote } from '../../../src/agent/tools/notes'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { ScriptedService } from './scripted-service'

const tools = () => new ToolRegistry(builtinTools(), { enabled: ['search_notes'] })
const ask = [{ role: 'user' as const, content: 'What do my notes say?' }]
const search = (query: string) => ({ calls: [{ name: 'search_notes', args: JSON.stringify({ query }) }] })
const observations = (turn: Awaited<ReturnType<typeof runAgentTurn>>) => turn.steps.flatMap(s => (s.kind === 'observation' ? [s] : []))

describe('search_notes and cloud models', () => {
  beforeEach(async () => {
    indexedDB.deleteDatabase('assistant-notes-consent')
    await saveNote('Door code 4711')
  })

  it.each(['', '   '])('refuses the query %j as invalid arguments: no note is returned', async (query) => {
    const local = new ScriptedService('wllama')
    local.script.push(search(query), { text: 'ok' })
    const turn = await runAgentTurn(ask, { service: local, tools: tools() })
    expect(observations(turn)[0]).toMatchObject({ isError: true, content: expect.stringContaining('Invalid arguments') })
    expect(JSON.stringify(local.requests)).not.toContain('4711')
  })

  it('asks before notes go to a cloud model; a no sends nothing, a yes is remembered for that service', async () => {
    const cloud = new ScriptedService('gemini', { isLocal: false })
    const asked: unknown[] = []
    cloud.script.push(search('door'), { text: 'ok' })
    const refused = await runAgentTurn(ask, { service: cloud, tools: tools(), confirm: async (r) => { asked.push(r); return false } })
    expect(observations(refused)[0]).toMatchObject({ isError: true, content: 'The user did not allow their notes to be sent to gemini.' })
    expect(JSON.stringify(cloud.requests)).not.toContain('4711')
    expect(asked).toEqual([{ name: 'search_notes', args: { query: 'door', notes_are_sent_to: expect.stringContaining('gemini') } }])

    cloud.script.push(search('door'), { text: 'ok' }, search('code'), { text: 'ok' })
    await runAgentTurn(ask, { service: cloud, tools: tools(), confirm: async (r) => { asked.push(r); return true } })
    const later = await runAgentTurn(ask, { service: cloud, tools: tools(), confirm: async (r) => { asked.push(r); return false } })
    expect(asked).toHaveLength(2)
    expect(observations(later)[0]).toMatchObject({ isError: false, content: expect.stringContaining('Door code 4711') })
  })

  it('with no way to ask, notes do not go to a cloud model; a local model needs no consent', async () => {
    const cloud = new ScriptedService('openai-compat', { isLocal: false })
    cloud.script.push(search('door'), { text: 'ok' })
    const turn = await runAgentTurn(ask, { service: cloud, tools: tools() })
    expect(observations(turn)[0]?.isError).toBe(true)
    const local = new ScriptedService('wllama')
    local.script.push(search('door'), { text: 'ok' })
    const localTurn = await runAgentTurn(ask, { service: local, tools: tools() })
    expect(observations(localTurn)[0]).toMatchObject({ isError: false, content: expect.stringContaining('4711') })
  })
})
