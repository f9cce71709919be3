/**
 * MCP servers in the app: saved as settings (validated like the other endpoints), their origins admitted by the CSP,
 * and their tools gathered for a turn with the person's switches applied; a server that is down is left out with a
 * notice naming its error code, never an exception.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { McpServerConfig } from '../../../../src/agent/tools/mcp/types'
import { useMcpStore } from '../../../../src/stores/mcp'
import { useSettingsStore } from '../../../../src/stores/settings'
import { DEFAULT_SETTINGS, sanitizeSettings, validateSettings } from '../../../../src/stores/settings-schema'
import { buildCsp, endpointOrigins } from '../../../../src/workers/service-worker/sw-headers'
import { startMcpServer, type McpFixture } from '../../../fixtures/mcp-server'

const entry = (over: Partial<McpServerConfig> = {}): McpServerConfig =>
  ({ id: 'srv-1', name: '', url: 'http://127.0.0.1:3001/mcp', token: '', isEnabled: true, disabledTools: [], allowedTools: [], ...over })

describe('MCP servers in settings and the CSP', () => {
  it('a server needs a plain http(s) URL and a token without spaces', () => {
    expect(validateSettings({ ...DEFAULT_SETTINGS, mcpServers: [entry()] }).mcpServers).toBeUndefined()
    for (const bad of [entry({ url: '' }), entry({ url: 'http://*.evil.com/mcp' }), entry({ url: 'https://a.b/mcp; script-src *' }), entry({ url: 'ftp://a.b/' }), entry({ token: 'a b' })])
      expect(validateSettings({ ...DEFAULT_SETTINGS, mcpServers: [bad] }).mcpServers).toMatch(/MCP server 1/)
    expect(sanitizeSettings({ mcpServers: [entry({ url: 'javascript:alert(1)' })] }).mcpServers).toEqual([])
    expect(sanitizeSettings({ mcpServers: [entry()] }).mcpServers).toEqual([entry()])
  })

  it('the CSP admits each saved server\'s origin and nothing malformed', () => {
    const origins = endpointOrigins({ mcpServers: [entry({ url: 'https://tools.example.com:8443/mcp' }), entry({ url: 'http://x/;default-src *' }), null, 'junk'] })
    expect(origins).toEqual(['https://tools.example.com:8443'])
    expect(buildCsp(origins)).toMatch(/connect-src [^;]*https:\/\/tools\.example\.com:8443/)
    expect(endpointOrigins({ mcpServers: 'not a list' })).toEqual([])
  })
})

describe('useMcpStore', () => {
  let fixture: McpFixture | undefined
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(async () => {
    await fixture?.close()
    fixture = undefined
  })

  it('gathers the enabled servers\' tools, leaving out tools switched off', async () => {
    fixture = await startMcpServer()
    const settings = useSettingsStore()
    settings.values.mcpServers = [entry({ url: fixture.url, disabledTools: ['check_inventory'], allowedTools: ['lookup_capital'] }), entry({ id: 'off', isEnabled: false })]
    const mcp = useMcpStore()
    const turn = await mcp.toolsForTurn()
    expect(turn.notices).toEqual([])
    expect(turn.tools.map(t => [t.name, t.hasSideEffects])).toEqual([['lookup_capital', false], ['create_ticket', true]])
    expect(turn.tools[0]!.description).toContain('MCP server 127.0.0.1')
    expect(mcp.states['srv-1']).toMatchObject({ status: 'ready' })
    expect(mcp.states.off).toBeUndefined()
  })

  it('a server that is down is left out with a notice and its error code', async () => {
    fixture = await startMcpServer()
    const url = fixture.url
    await fixture.close()
    fixture = undefined
    useSettingsStore().values.mcpServers = [entry({ url, name: 'Tracker' })]
    const mcp = useMcpStore()
    const turn = await mcp.toolsForTurn()
    expect(turn.tools).toEqual([])
    expect(turn.notices).toHaveLength(1)
    expect(turn.notices[0]).toMatch(/^The MCP server Tracker was left out of this answer: .*\(mcp_unreachable\)\.$/)
    expect(mcp.states['srv-1']).toMatchObject({ status: 'error', error: { code: 'mcp_unreachable' } })
  })
})

describe('useMcpStore between turns', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('a server that goes down after it was listed is left out of the next turn', async () => {
    const fixture = await startMcpServer()
    useSettingsStore().values.mcpServers = [entry({ url: fixture.url })]
    const mcp = useMcpStore()
    expect((await mcp.toolsForTurn()).tools).toHaveLength(3)
    await fixture.close()
    const turn = await mcp.toolsForTurn()
    expect(turn.tools).toEqual([])
    expect(turn.notices[0]).toContain('(mcp_unreachable)')
  })
})
