// @vitest-environment happy-dom
/**
 * A message's action row and errors in place (issue 16 item 5): the `< 1/2 >` version switcher, and a failed reply
 * that shows its error once, naming the host, with the button for the next step (Add key opens Settings on the key's
 * field through /settings?field=..., Retry regenerates).
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import ChatMessage from '../../../../src/components/chat/ChatMessage.vue'
import type { StoredMessage } from '../../../../src/conversations/types'
// ChatMessage loads the Markdown renderer as an async component: loaded here first, so it never arrives after the
// test environment is gone.
import '../../../../src/components/chat/ChatMarkdown.vue'

let host: HTMLElement | null = null
let router: Router

beforeEach(() => {
  setActivePinia(createPinia())
})
afterEach(() => {
  host?.remove()
})

async function mount(message: StoredMessage, props: Record<string, unknown> = {}) {
  const events: Array<[string, unknown]> = []
  router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/', name: 'chat', component: { render: () => null } }, { path: '/settings', name: 'settings', component: { render: () => null } }, { path: '/models', name: 'models', component: { render: () => null } }],
  })
  await router.push('/')
  host = document.createElement('div')
  document.body.append(host)
  const app = createApp({
    render: () => h(ChatMessage, {
      message, isLast: true, isBusy: false, ...props,
      onRegenerate: () => events.push(['regenerate', null]),
      onResend: (text: string) => events.push(['resend', text]),
      onShowVersion: (step: number) => events.push(['showVersion', step]),
    }),
  })
  app.use(createPinia()).use(router).mount(host)
  await nextTick()
  return { el: host, events }
}

const reply = (extra: Partial<StoredMessage>): StoredMessage => ({ id: 'm', conversationId: 'c', seq: 1, role: 'assistant', content: 'Hello', status: 'done', createdAt: 0, ...extra })

describe('ChatMessage versions', () => {
  it('shows < 2/3 > and asks for the earlier or later version', async () => {
    const { el, events } = await mount(reply({}), { versions: { index: 1, count: 3 } })
    expect(el.querySelector('[data-testid=version-label]')?.textContent).toBe('2/3')
    el.querySelector<HTMLButtonElement>('[data-testid=version-prev]')!.click()
    el.querySelector<HTMLButtonElement>('[data-testid=version-next]')!.click()
    expect(events).toEqual([['showVersion', -1], ['showVersion', 1]])
  })

  it('has no switcher for a message with one version, and no way past the first or last', async () => {
    expect((await mount(reply({}))).el.querySelector('[data-testid=version-switcher]')).toBeNull()
    host?.remove()
    const { el } = await mount(reply({}), { versions: { index: 0, count: 2 } })
    expect(el.querySelector<HTMLButtonElement>('[data-testid=version-prev]')!.disabled).toBe(true)
    expect(el.querySelector<HTMLButtonElement>('[data-testid=version-next]')!.disabled).toBe(false)
  })
})

describe('ChatMessage errors in place', () => {
  it('a Gemini reply without a key says so once, names the host, and Add key opens Settings on the key field', async () => {
    const { el } = await mount(reply({
      content: '', status: 'error', backend: 'gemini', errorCode: 'missing_api_key',
      errorMessage: 'Gemini (generativelanguage.googleapis.com) needs your API key.',
    }))
    const errors = el.querySelectorAll('[data-testid=error]')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.getAttribute('data-code')).toBe('missing_api_key')
    expect(errors[0]!.textContent).toContain('generativelanguage.googleapis.com')
    const addKey = el.querySelector<HTMLButtonElement>('[data-testid=next-step-settings]')!
    expect(addKey.textContent?.trim()).toBe('Add key')
    addKey.click()
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(router.currentRoute.value.fullPath).toBe('/settings?field=geminiApiKey')
  })

  it('a server that did not answer offers Check server address and Retry; Retry regenerates', async () => {
    const { el, events } = await mount(reply({
      content: '', status: 'error', backend: 'openai-compat', errorCode: 'service_unavailable',
      errorMessage: 'The server at localhost:9 did not answer: no connection could be made to it.',
    }))
    expect([...el.querySelectorAll('[data-testid^=next-step-]')].map(b => b.textContent?.trim())).toEqual(['Check server address', 'Retry'])
    el.querySelector<HTMLButtonElement>('[data-testid=next-step-retry]')!.click()
    expect(events).toEqual([['regenerate', null]])
    expect(el.textContent).toContain('localhost:9')
    expect(el.textContent).not.toContain('Failed to fetch')
  })
})

describe('ChatMessage ended before any text (issue 16)', () => {
  it('a reply stopped before its first token says so in words, with Retry, and no Copy of nothing', async () => {
    const { el, events } = await mount(reply({ content: '', status: 'stopped' }))
    expect(el.querySelector('[data-testid=empty-reply]')?.textContent).toBe('Stopped before any answer.')
    expect(el.querySelector('[data-testid=copy-message]')).toBeNull()
    const retry = el.querySelector<HTMLButtonElement>('[data-testid=regenerate]')!
    expect(retry.textContent?.trim()).toBe('Retry')
    retry.click()
    expect(events).toEqual([['regenerate', null]])
  })

  it('a reply cut off by a reload, or ended at once, says so too; a notice or text is left as it is', async () => {
    expect((await mount(reply({ content: '', status: 'interrupted' }))).el.querySelector('[data-testid=empty-reply]')?.textContent).toBe('Cut off before any answer.')
    host?.remove()
    expect((await mount(reply({ content: '', status: 'done' }))).el.querySelector('[data-testid=empty-reply]')?.textContent).toBe('The model ended without writing an answer.')
    host?.remove()
    // A cloud reply that ended empty carries a notice saying why: no second message.
    expect((await mount(reply({ content: '', status: 'done', notice: { code: 'empty_answer', message: 'x', nextStep: 'y' } }))).el.querySelector('[data-testid=empty-reply]')).toBeNull()
    host?.remove()
    const { el } = await mount(reply({ content: 'Once upon', status: 'stopped' }))
    expect(el.querySelector('[data-testid=empty-reply]')).toBeNull()
    expect(el.querySelector('[data-testid=regenerate]')?.textContent?.trim()).toBe('Regenerate')
  })
})

describe('ChatMessage edit box (issue 16)', () => {
  it('opens with the question, in its own component, and sends the edited text with Enter; Esc cancels', async () => {
    const { el, events } = await mount({ ...reply({ content: 'Hello there' }), role: 'user' })
    el.querySelector<HTMLButtonElement>('[data-testid=edit]')!.click()
    await nextTick()
    const box = el.querySelector<HTMLTextAreaElement>('.chat-message-editor textarea[data-testid=edit-text]')!
    expect(box.value).toBe('Hello there')
    box.value = 'Hello again'
    box.dispatchEvent(new Event('input'))
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    expect(events).toEqual([['resend', 'Hello again']])
    await nextTick()
    expect(el.querySelector('[data-testid=edit-text]')).toBeNull()
    el.querySelector<HTMLButtonElement>('[data-testid=edit]')!.click()
    await nextTick()
    el.querySelector<HTMLTextAreaElement>('[data-testid=edit-text]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await nextTick()
    expect(el.querySelector('[data-testid=edit-text]')).toBeNull()
    expect(events).toHaveLength(1)
  })

  // Newcomer report #9: on an earlier message the box opened above the visible area, only Cancel and Send showed.
  it('scrolls the whole box into view and focuses its text', async () => {
    const scrolled: Element[] = []
    const spy = vi.spyOn(Element.prototype, 'scrollIntoView').mockImplementation(function (this: Element) { scrolled.push(this) })
    const { el } = await mount({ ...reply({ content: 'Hello there' }), role: 'user' })
    el.querySelector<HTMLButtonElement>('[data-testid=edit]')!.click()
    await nextTick()
    await nextTick()
    expect(scrolled).toEqual([el.querySelector('[data-testid=message-editor]')])
    expect(document.activeElement).toBe(el.querySelector('[data-testid=edit-text]'))
    spy.mockRestore()
  })
})
