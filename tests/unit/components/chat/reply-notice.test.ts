// @vitest-environment jsdom
/** A reply's notice (reason and next step) and its reasoning, collapsed, shown with the text so far. */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, nextTick } from 'vue'
import ChatMessage from '../../../../src/components/chat/ChatMessage.vue'
import type { StoredMessage } from '../../../../src/conversations/types'
import { useChatStore } from '../../../../src/stores/chat'
// ChatMessage loads the Markdown renderer as an async component: loaded here first, so it never arrives after the
// test environment is gone.
import '../../../../src/components/chat/ChatMarkdown.vue'

const unmounts: Array<() => void> = []
afterEach(() => unmounts.splice(0).forEach(u => u()))

function mount(message: StoredMessage): HTMLElement {
  const pinia = createPinia()
  setActivePinia(pinia)
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp(ChatMessage, { message, isLast: true, isBusy: false })
  app.use(pinia)
  app.mount(el)
  unmounts.push(() => { app.unmount(); el.remove() })
  return el
}

const base: StoredMessage = { id: 'm', conversationId: 'c', seq: 1, role: 'assistant', content: 'So far', status: 'done', createdAt: 1 }

describe('ChatMessage: notice and reasoning', () => {
  it('shows the text so far, the notice with its next step, and the reasoning collapsed', async () => {
    const el = mount({ ...base, finishReason: 'length', reasoning: 'Thinking first.', notice: { code: 'length', message: 'The answer reached the length limit (MAX_TOKENS).', nextStep: 'Raise "Longest answer" in Settings.' } })
    // The Markdown renderer is an async component (it loads with the first message, not with the page).
    await vi.waitFor(() => expect(el.querySelector('[data-testid=reply-markdown]')?.textContent).toContain('So far'))
    const notice = el.querySelector('[data-testid=reply-notice]')!
    expect(notice.getAttribute('data-code')).toBe('length')
    expect(notice.textContent).toContain('length limit')
    expect(notice.textContent).toContain('Raise "Longest answer"')
    const reasoning = el.querySelector<HTMLDetailsElement>('[data-testid=reply-reasoning]')!
    expect(reasoning.open).toBe(false)
    expect(reasoning.querySelector('summary')?.textContent).toBe('Thoughts')
    expect(reasoning.textContent).toContain('Thinking first.')
    expect(el.querySelector('[data-testid=reply-markdown]')?.textContent).not.toContain('Thinking first.')
  })

  it('says how long the model thought, when the reply kept it', () => {
    const el = mount({ ...base, reasoning: 'Hmm.', reasoningMs: 4_400 })
    expect(el.querySelector('[data-testid=reply-reasoning] summary')?.textContent).toBe('Thought for 4 s')
  })

  it('a plain reply has neither', () => {
    const el = mount(base)
    expect(el.querySelector('[data-testid=reply-notice]')).toBeNull()
    expect(el.querySelector('[data-testid=reply-reasoning]')).toBeNull()
  })
})

describe('ChatMessage: before the first word', () => {
  it('says the message is being read while a reply has no text yet, and stops saying it once words arrive', () => {
    expect(mount({ ...base, content: '', status: 'streaming' }).querySelector('[data-testid=reply-waiting]')?.textContent?.trim()).toBe('Reading your message…')
    expect(mount({ ...base, content: 'The', status: 'streaming' }).querySelector('[data-testid=reply-waiting]')).toBeNull()
    expect(mount({ ...base, content: '', reasoning: 'Hmm', status: 'streaming' }).querySelector('[data-testid=reply-waiting]')).toBeNull()
    expect(mount({ ...base, content: '', status: 'stopped' }).querySelector('[data-testid=reply-waiting]')).toBeNull()
  })

  it('says nothing of reading while the model still downloads or loads (the chat shows that progress)', async () => {
    const el = mount({ ...base, content: '', status: 'streaming' })
    useChatStore().isPreparingModel = true
    await nextTick()
    expect(el.querySelector('[data-testid=reply-waiting]')).toBeNull()
    useChatStore().isPreparingModel = false
    await nextTick()
    expect(el.querySelector('[data-testid=reply-waiting]')).not.toBeNull()
  })
})
