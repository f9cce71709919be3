// @vitest-environment happy-dom
/**
 * Settings > MCP servers: adding a server gives labelled fields that write to the settings; listed tools get an on/off
 * and a "Run without asking" switch that write the server's lists; an unusable tool says why; an error shows its code.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import SettingsMcpForm from '../../../src/components/settings/SettingsMcpForm.vue'
import { useMcpStore } from '../../../src/stores/mcp'
import { useSettingsStore } from '../../../src/stores/settings'

let host: HTMLElement | null = null
afterEach(() => host?.remove())

function mount() {
  const pinia = createPinia()
  setActivePinia(pinia)
  host = document.createElement('div')
  document.body.append(host)
  const app = createApp(SettingsMcpForm).use(pinia)
  app.mount(host)
  return app
}

function input(testid: string): HTMLInputElement {
  return host!.querySelector(`[data-testid="${testid}"]`)!
}

describe('SettingsMcpForm', () => {
  it('adds a server whose fields are labelled and write to the settings', async () => {
    const app = mount()
    const settings = useSettingsStore()
    input('mcp-add').click()
    await nextTick()
    for (const id of ['mcp-url', 'mcp-name', 'mcp-token'])
      expect(host!.querySelector(`label[for="${input(id).id}"]`), id).not.toBeNull()
    expect(host!.querySelector('[data-testid=mcp-error]')?.textContent).toMatch(/MCP server 1: the URL/)
    input('mcp-url').value = 'http://127.0.0.1:3001/mcp'
    input('mcp-url').dispatchEvent(new Event('input'))
    await nextTick()
    expect(settings.values.mcpServers[0]).toMatchObject({ url: 'http://127.0.0.1:3001/mcp', isEnabled: true, token: '' })
    expect(settings.errors.mcpServers).toBeUndefined()
    input('mcp-remove').click()
    await nextTick()
    expect(settings.values.mcpServers).toEqual([])
    app.unmount()
  })

  it('shows listed tools with their switches, an unusable tool\'s reason and a failed listing\'s code', async () => {
    const app = mount()
    const settings = useSettingsStore()
    settings.values.mcpServers.push({ id: 'a', name: 'T', url: 'http://127.0.0.1:3001/mcp', token: '', isEnabled: true, disabledTools: [], allowedTools: [] })
    const mcp = useMcpStore()
    mcp.states.a = { status: 'ready', key: '', tools: [{ name: 'lookup', description: '', inputSchema: { type: 'object' } }, { name: 'bad', description: '', inputSchema: {}, problem: 'invalid arguments schema: x' }] }
    await nextTick()
    expect(input('mcp-status').textContent).toContain('1 tool offered, 1 unusable')
    const lookup = host!.querySelector('[data-testid=mcp-tool-lookup]')!
    ;(lookup.querySelector('[data-testid=mcp-tool-on]') as HTMLInputElement).click()
    ;(lookup.querySelector('[data-testid=mcp-tool-allow]') as HTMLInputElement).click()
    await nextTick()
    expect(settings.values.mcpServers[0]).toMatchObject({ disabledTools: ['lookup'], allowedTools: ['lookup'] })
    expect(host!.querySelector('[data-testid=mcp-tool-bad]')?.textContent).toContain('Not offered: invalid arguments schema')
    mcp.states.a = { status: 'error', key: '', tools: [], error: { code: 'mcp_unreachable', message: 'Down.' } }
    await nextTick()
    expect(input('mcp-status').textContent).toContain('Down. (mcp_unreachable)')
    app.unmount()
  })
})
