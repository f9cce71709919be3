// @vitest-environment happy-dom
/** The drawer's form has a control for every setting, and every control writes to the store. */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import SettingsForm from '../../../src/components/settings/SettingsForm.vue'
import { DEFAULT_SETTINGS, TOOL_NAMES, useSettingsStore } from '../../../src/stores/settings'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

/** Test ids that older tests use, kept when the store's field names changed. */
const RENAMED: Record<string, string> = { nThreads: 'setting-threads', idleUnloadMinutes: 'setting-idle-minutes' }
/**
 * Settings with their own control outside the form (theme: the header toggle), edited as a group (tools, mcpServers:
 * tests/unit/components/settings-mcp.test.ts), or shown only when they apply (geminiKeyHost: a confirmation for a
 * non-Google Gemini host).
 */
const ELSEWHERE = new Set(['theme', 'tools', 'geminiKeyHost', 'mcpServers'])

describe('SettingsForm', () => {
  it('has a labelled control for every setting, the Gemini key and each tool', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    host = document.createElement('div')
    document.body.append(host)
    const app = createApp(SettingsForm).use(pinia)
    app.mount(host)
    await nextTick()
    const ids = new Set([...host.querySelectorAll('[data-testid]')].map(el => el.getAttribute('data-testid')))
    for (const field of Object.keys(DEFAULT_SETTINGS).filter(f => !ELSEWHERE.has(f))) {
      const id = RENAMED[field] ?? `setting-${field.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`
      expect(ids, field).toContain(id)
      const control = host.querySelector(`[data-testid="${id}"]`)!
      expect(host.querySelector(`label[for="${control.id}"]`), `${field} has a label`).not.toBeNull()
    }
    for (const tool of TOOL_NAMES)
      expect(ids).toContain(`setting-tool-${tool}`)
    expect(ids).toContain('setting-gemini-key')
    expect(ids).toContain('mcp-add')
    app.unmount()
  })

  it('writes typed values to the store, and shows the store\'s validation message', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const settings = useSettingsStore()
    host = document.createElement('div')
    document.body.append(host)
    const app = createApp(SettingsForm).use(pinia)
    app.mount(host)
    const topK = host.querySelector<HTMLInputElement>('[data-testid=setting-top-k]')!
    topK.value = '7'
    topK.dispatchEvent(new Event('input'))
    expect(settings.topK).toBe(7)
    topK.value = '2.5'
    topK.dispatchEvent(new Event('input'))
    await nextTick()
    expect(host.querySelector('[data-testid=setting-top-k-error]')?.textContent).toBe('Top-k must be a whole number from 0 to 1000.')
    expect(topK.getAttribute('aria-invalid')).toBe('true')
    const tool = host.querySelector<HTMLInputElement>('[data-testid=setting-tool-notes]')!
    tool.click()
    expect(settings.tools.notes).toBe(false)
    app.unmount()
  })
})
