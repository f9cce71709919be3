// @vitest-environment happy-dom
/**
 * Issue 18 item 13, on the screen: the Gemini key's hint names the host the key really goes to, a host that is not
 * Google's asks for a tick before the key is sent there, and plain http to another computer is refused in words.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import SettingsCloud from '../../../src/components/settings/SettingsCloud.vue'
import { useSettingsStore } from '../../../src/stores/settings'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

async function mount() {
  const pinia = createPinia()
  setActivePinia(pinia)
  host = document.createElement('div')
  document.body.append(host)
  const app = createApp(SettingsCloud).use(pinia)
  app.mount(host)
  await settle()
  return { app, host, settings: useSettingsStore() }
}

/** The store copies a valid value to what the engines use after its watcher runs. */
async function settle() {
  for (let i = 0; i < 5; i++) {
    await nextTick()
    await new Promise(r => setTimeout(r, 0))
  }
}

const text = (el: HTMLElement, id: string) => el.querySelector(`[data-testid=${id}]`)?.textContent?.trim()

describe('SettingsCloud: where the Gemini key goes', () => {
  it('names Google\'s host by default, with nothing to confirm', async () => {
    const { app, host } = await mount()
    expect(text(host, 'gemini-key-host')).toContain('sent only to generativelanguage.googleapis.com')
    expect(host.querySelector('[data-testid=gemini-key-confirm]')).toBeNull()
    expect(host.querySelector('[data-testid=gemini-key-insecure]')).toBeNull()
    app.unmount()
  })

  it('another https host is named, and the key goes there only once the person ticks "Send my Gemini key to <host>"', async () => {
    const { app, host, settings } = await mount()
    settings.values.geminiBaseUrl = 'https://gemini-proxy.example.com'
    await settle()
    expect(text(host, 'gemini-key-host')).toContain('sent only to gemini-proxy.example.com')
    const confirm = host.querySelector<HTMLInputElement>('[data-testid=gemini-key-confirm]')!
    expect(confirm.closest('label')!.textContent).toContain('Send my Gemini key to gemini-proxy.example.com (not Google)')
    expect(confirm.checked).toBe(false)
    expect(settings.values.geminiKeyHost).not.toBe('gemini-proxy.example.com')
    confirm.click()
    await settle()
    expect(settings.values.geminiKeyHost).toBe('gemini-proxy.example.com')
    app.unmount()
  })

  it('plain http to another computer: the key is not sent, and the screen says so', async () => {
    const { app, host, settings } = await mount()
    settings.values.geminiBaseUrl = 'http://192.168.1.20:8080'
    await settle()
    expect(text(host, 'gemini-key-insecure')).toContain('Plain http: the key is not sent to 192.168.1.20:8080')
    expect(host.querySelector('[data-testid=gemini-key-confirm]')).toBeNull()
    app.unmount()
  })
})
