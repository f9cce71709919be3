// @vitest-environment happy-dom
/** The drawer's form has a control for every setting, and every control writes to the store. */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import SettingsForm from '../../../src/components/settings/SettingsForm.vue'
import { DEFAULT_SETTINGS, TOOL_NAMES, useSettingsStore, type UserSettings } from '../../../src/stores/settings'
import { SETTING_RULES } from '../../../src/stores/settings-schema'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

/** Test ids that older tests use, kept when the store's field names changed. */
const RENAMED: Record<string, string> = { nThreads: 'setting-threads', idleUnloadMinutes: 'setting-idle-minutes' }
/**
 * Settings edited as a group (tools, mcpServers:
 * tests/unit/components/settings-mcp.test.ts), or shown only when they apply (geminiKeyHost: a confirmation for a
 * non-Google Gemini host).
 */
const ELSEWHERE = new Set(['tools', 'geminiKeyHost', 'mcpServers'])

/** The form in a fresh page: a new pinia, mounted in the document. */
async function mountForm() {
  const pinia = createPinia()
  setActivePinia(pinia)
  host = document.createElement('div')
  document.body.append(host)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)', component: { render: () => null } }] })
  const app = createApp(SettingsForm).use(pinia).use(router)
  app.mount(host)
  await nextTick()
  return { app, host }
}

describe('SettingsForm', () => {
  it('has a labelled control for every setting, the Gemini key and each tool', async () => {
    const { app, host } = await mountForm()
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
    const { app, host } = await mountForm()
    const settings = useSettingsStore()
    const topK = host.querySelector<HTMLInputElement>('[data-testid=setting-top-k]')!
    topK.value = '7'
    topK.dispatchEvent(new Event('input'))
    expect(settings.topK).toBe(7)
    topK.value = '2.5'
    topK.dispatchEvent(new Event('input'))
    await nextTick()
    expect(host.querySelector('[data-testid=setting-top-k-error]')?.textContent).toMatch(/^Between 0 and 1000, a whole number \(no decimals\)\./)
    expect(topK.getAttribute('aria-describedby')?.split(' ')).toContain('setting-topK-error')
    expect(topK.getAttribute('aria-invalid')).toBe('true')
    const tool = host.querySelector<HTMLInputElement>('[data-testid=setting-tool-notes]')!
    tool.click()
    expect(settings.tools.notes).toBe(false)
    app.unmount()
  })

  it('builds every control from the field\'s rule: number limits, address fields, only allowed choices, a stable id', async () => {
    const { app, host } = await mountForm()
    for (const field of Object.keys(DEFAULT_SETTINGS).filter(f => !ELSEWHERE.has(f)) as Array<keyof UserSettings>) {
      const rule = SETTING_RULES[field]
      const control = host.querySelector<HTMLInputElement | HTMLSelectElement>(`#setting-${field}`)
      expect(control, `${field} has id setting-${field}`).not.toBeNull()
      if (rule.kind === 'integer' || rule.kind === 'number') {
        expect(control!.getAttribute('type'), field).toBe('number')
        expect(Number(control!.getAttribute('min')), field).toBe(rule.min)
        expect(Number(control!.getAttribute('max')), field).toBe(rule.max)
      }
      else if (rule.kind === 'url') {
        expect(control!.getAttribute('type'), field).toBe('url')
      }
      else if (rule.kind === 'choice') {
        expect(control!.tagName, field).toBe('SELECT')
        const values = [...(control as HTMLSelectElement).options].map(o => o.value)
        expect(values.length, field).toBeGreaterThan(1)
        expect(rule.choices, field).toEqual(expect.arrayContaining(values))
      }
      else if (rule.kind === 'switch') {
        expect(control!.getAttribute('type'), field).toBe('checkbox')
      }
    }
    app.unmount()
  })

  it('a refused sampling value changes nothing else: the recommendation stays on and the value in use stays (issue 16)', async () => {
    const { app, host } = await mountForm()
    const settings = useSettingsStore()
    const type = (testId: string, value: string) => {
      const input = host.querySelector<HTMLInputElement>(`[data-testid=${testId}]`)!
      input.value = value
      input.dispatchEvent(new Event('input'))
    }
    expect(settings.isModelSamplingOn).toBe(true)
    for (const [testId, refused] of [['setting-temperature', '5'], ['setting-top-p', '0'], ['setting-top-k', '2.5']] as const) {
      const field = testId === 'setting-temperature' ? 'temperature' : testId === 'setting-top-p' ? 'topP' : 'topK'
      const before = settings[field]
      type(testId, refused)
      await nextTick()
      expect(settings.errors[field], testId).toBeDefined()
      expect(settings.values.isModelSamplingOn, `${testId} ${refused} leaves the recommendation on`).toBe(true)
      expect(settings[field], testId).toBe(before)
    }
    // A value the rule accepts is the person's own: the recommendation turns off.
    type('setting-temperature', '0.3')
    expect(settings.values.isModelSamplingOn).toBe(false)
    expect(settings.temperature).toBe(0.3)
    app.unmount()
  })
})
