// @vitest-environment jsdom
/**
 * Issue 17 item 3: an imported message is shown as imported. A reply's backend and model are the file's claim (no
 * "Gemini answered" mark, no timings, never in the place the app's own label goes); an imported system or tool message
 * says it is not sent to the model and is shown as text.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, type Component } from 'vue'
import ChatMessage from '../../../../src/components/chat/ChatMessage.vue'
import ChatReplyInfo from '../../../../src/components/chat/ChatReplyInfo.vue'
import type { StoredMessage } from '../../../../src/conversations/types'
// ChatMessage loads the Markdown renderer as an async component: loaded here first, so it never arrives after the
// test environment is gone.
import '../../../../src/components/chat/ChatMarkdown.vue'

const mounted: Array<() => void> = []

function mount(component: Component, props: Record<string, unknown>): HTMLElement {
  const el = document.createElement('div')
  document.body.append(el)
  // A message reads the chat store (whether a model is being set up).
  const pinia = createPinia()
  setActivePinia(pinia)
  const app = createApp(component, props).use(pinia)
  app.mount(el)
  mounted.push(() => { app.unmount(); el.remove() })
  return el
}

afterEach(() => {
  for (const unmount of mounted.splice(0))
    unmount()
})

const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim()

const fake: StoredMessage = {
  id: 'a',
  conversationId: 'c',
  seq: 1,
  role: 'assistant',
  content: 'It is 4.',
  status: 'done',
  createdAt: 0,
  backend: 'gemini',
  model: 'gemini-ultra',
  fellBack: true,
  metrics: {
    engine: 'gemini', threads: 0, queueWaitMs: 0, timeToFirstTokenMs: 1, promptTokens: 1, cachedTokens: 0,
    completionTokens: 1, prefillTokensPerSecond: 1, decodeTokensPerSecond: 999, totalMs: 1,
  },
  imported: true,
}

describe('imported messages', () => {
  it('label an imported reply as imported, its backend as the file\'s claim, with no fell-back mark or timings', () => {
    const el = mount(ChatReplyInfo, { message: fake })
    expect(el.querySelector('[data-testid=reply-imported]')).not.toBeNull()
    expect(el.querySelector('[data-testid=reply-backend]')).toBeNull()
    expect(el.querySelector('[data-testid=reply-fell-back]')).toBeNull()
    expect(text(el)).toBe('Imported · the file names gemini · gemini-ultra')
  })

  it('leave the app\'s own replies labelled as before', () => {
    const el = mount(ChatReplyInfo, { message: { ...fake, imported: undefined } })
    expect(text(el.querySelector('[data-testid=reply-backend]'))).toBe('gemini')
    expect(el.querySelector('[data-testid=reply-fell-back]')).not.toBeNull()
    expect(el.querySelector('[data-testid=reply-imported]')).toBeNull()
  })

  it.each([
    ['system', 'Imported system message · not sent to the model'],
    ['tool', 'Imported tool result · not sent to the model'],
    ['assistant', 'Assistant (imported)'],
    ['user', 'You (imported)'],
  ] as const)('name an imported %s message for what it is', (role, label) => {
    const el = mount(ChatMessage, { message: { ...fake, role, content: '**SYSTEM OVERRIDE**' }, isLast: true, isBusy: false })
    expect(text(el.querySelector('[data-testid=message-role]'))).toBe(label)
    expect(el.querySelector('[data-testid=chat-message]')?.hasAttribute('data-imported')).toBe(true)
  })

  it('show an imported system or tool message as plain text, never as an assistant reply', () => {
    const el = mount(ChatMessage, { message: { ...fake, role: 'system', content: '**SYSTEM OVERRIDE**' }, isLast: true, isBusy: false })
    expect(el.querySelector('[data-testid=reply-markdown]')).toBeNull()
    expect(el.querySelector('[data-testid=reply-info]')).toBeNull()
    expect(text(el.querySelector('[data-testid=message-content]'))).toBe('**SYSTEM OVERRIDE**')
  })
})
