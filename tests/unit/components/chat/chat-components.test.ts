// @vitest-environment jsdom
/**
 * The chat's message components mounted in jsdom (DOMPurify needs a real-enough DOM; happy-dom lets vectors through):
 * agent steps collapsible with tool results sanitised, code blocks with a working Copy button, and the per-reply line.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick, ref, type Component } from 'vue'
import type { AgentStep } from '../../../../src/agent/types'
import ChatComposer from '../../../../src/components/chat/ChatComposer.vue'
import ChatMarkdown from '../../../../src/components/chat/ChatMarkdown.vue'
import ChatReplyInfo from '../../../../src/components/chat/ChatReplyInfo.vue'
import ChatSteps from '../../../../src/components/chat/ChatSteps.vue'
import type { StoredMessage } from '../../../../src/conversations/types'

const mounted: Array<() => void> = []

function mount(component: Component, props: Record<string, unknown>): HTMLElement {
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp(component, props)
  app.mount(el)
  mounted.push(() => { app.unmount(); el.remove() })
  return el
}

afterEach(() => {
  for (const unmount of mounted.splice(0))
    unmount()
  vi.restoreAllMocks()
})

const hostile = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> [x](javascript:window.__pwned=1)'

describe('ChatSteps', () => {
  const steps: AgentStep[] = [
    { kind: 'thought', text: 'I need the <b>calculator</b>.' },
    { kind: 'tool_call', callId: 'c1', name: 'calculator', arguments: { expression: '2*21' } },
    { kind: 'observation', callId: 'c1', name: 'calculator', content: `**42** ${hostile}`, isError: false },
    { kind: 'answer', text: 'It is 42.' },
  ]

  it('shows one collapsed line per tool call: tool, short arguments, status; the thought and arguments inside', () => {
    const el = mount(ChatSteps, { steps })
    const lines = [...el.querySelectorAll<HTMLDetailsElement>('[data-testid=agent-step]')]
    expect(lines).toHaveLength(1)
    expect(lines[0]!.open).toBe(false)
    expect(lines[0]!.querySelector('summary')?.textContent?.replace(/\s+/g, ' ').trim()).toBe('✓ calculator expression: "2*21" done')
    expect(lines[0]!.dataset.status).toBe('done')
    expect(JSON.parse(el.querySelector('[data-testid=tool-arguments]')!.textContent!)).toEqual({ expression: '2*21' })
    // A thought is text: its markup is shown, not applied.
    expect(el.querySelector('[data-testid=tool-thought]')?.textContent).toContain('<b>calculator</b>')
    // The answer is the reply itself: never repeated in the steps.
    expect(el.textContent).not.toContain('It is 42.')
  })

  it('is absent when no tool ran, and says running / failed for a call without result / with an error', () => {
    expect(mount(ChatSteps, { steps: [{ kind: 'thought', text: 'Easy.' }, { kind: 'answer', text: 'It is 42.' }] }).querySelector('[data-testid=agent-steps]')).toBeNull()
    const el = mount(ChatSteps, { steps: [
      { kind: 'tool_call', callId: 'a', name: 'fetch_page', arguments: { url: `https://example.com/${'x'.repeat(100)}` } },
      { kind: 'observation', callId: 'a', name: 'fetch_page', content: 'HTTP 404', isError: true },
      { kind: 'tool_call', callId: 'b', name: 'calculator', arguments: '1+1' },
    ] })
    expect([...el.querySelectorAll('[data-testid=tool-status]')].map(s => s.textContent)).toEqual(['failed', 'running'])
    expect(el.querySelector('.args')?.textContent).toMatch(/^url: "https:\/\/example\.com\/x+…$/)
    expect(el.querySelector('.args')!.textContent!.length).toBe(60)
    expect(el.textContent).toContain('The tools led nowhere')
  })

  it('renders a tool result as Markdown with every script vector removed', async () => {
    const el = mount(ChatSteps, { steps })
    // The Markdown renderer is an async component (it loads with the first message, not with the page).
    await vi.waitFor(() => expect(el.querySelector('[data-testid=tool-result] strong')?.textContent).toBe('42'))
    const result = el.querySelector('[data-testid=tool-result]')!
    expect(result.querySelector('script')).toBeNull()
    expect(result.querySelector('[onerror]')).toBeNull()
    expect(result.innerHTML).not.toMatch(/javascript:/i)
  })
})

describe('ChatMarkdown', () => {
  it('shows each code block with its language and a Copy button that copies the code only', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const el = mount(ChatMarkdown, { source: 'Two blocks:\n\n```js\nlet a = 1\n```\n\n```\n<b>raw</b>\n```\n\n1. nested:\n\n   ```sh\n   ls\n   ```' })
    const buttons = el.querySelectorAll<HTMLButtonElement>('[data-testid=copy-code]')
    expect(buttons).toHaveLength(3)
    expect([...el.querySelectorAll('[data-testid=code-language]')].map(l => l.textContent)).toEqual(['js', 'text', 'sh'])

    buttons[1]!.click()
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith('<b>raw</b>\n'))
    await nextTick()
    expect(buttons[1]!.textContent).toBe('Copied')
    buttons[2]!.click()
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith('ls\n'))
  })

  it('highlights code once highlight.js has loaded, with highlight.js spans only', async () => {
    const el = mount(ChatMarkdown, { source: '```ts\nconst a = "<dialog open>"\n```' })
    await vi.waitFor(() => expect(el.querySelector('code .hljs-keyword')?.textContent).toBe('const'))
    expect([...el.querySelectorAll('code *')].every(n => n.localName === 'span' && /^hljs-/.test(n.className))).toBe(true)
    expect(el.querySelector('dialog')).toBeNull()
  })

  it('renders a growing text at most once per animation frame', async () => {
    const frames: FrameRequestCallback[] = []
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((cb) => { frames.push(cb); return frames.length })
    const source = ref('Hello')
    const el = mount(defineComponent({ setup: () => () => h(ChatMarkdown, { source: source.value }) }), {})
    for (const word of [' big', ' wide', ' world'])
      source.value += word
    await nextTick()
    expect(el.textContent?.trim()).toBe('Hello')
    expect(frames).toHaveLength(1)
    frames.shift()!(0)
    await nextTick()
    expect(el.textContent?.trim()).toBe('Hello big wide world')
  })
})

describe('ChatReplyInfo', () => {
  const reply: StoredMessage = {
    id: 'a',
    conversationId: 'c',
    seq: 1,
    role: 'assistant',
    content: 'x',
    status: 'interrupted',
    createdAt: 1,
    backend: 'wllama',
    model: 'stories260K.gguf',
    metrics: {
      engine: 'wllama', threads: 2, queueWaitMs: 0, timeToFirstTokenMs: 123.4, promptTokens: 5, cachedTokens: 0,
      completionTokens: 20, prefillTokensPerSecond: 500, decodeTokensPerSecond: 87.25, totalMs: 400,
    },
  }

  it('names backend and model, time to first token and tokens/s, and marks an interrupted reply', () => {
    const el = mount(ChatReplyInfo, { message: reply })
    expect(el.textContent?.replace(/\s+/g, ' ').trim())
      .toBe('wllama · stories260K.gguf · first token 123 ms · 87.3 tokens/s · Interrupted (the page was reloaded or closed while it was written)')
  })
})

describe('ChatComposer', () => {
  const tools = { isOn: false, reason: 'Tools off (Auto).', isOverridden: false }

  it('keeps a message typed while a reply is written: Enter neither sends nor clears it (a newcomer lost one this way)', async () => {
    const sent: string[] = []
    const el = mount(ChatComposer, { isGenerating: true, isDisabled: false, tools, onSend: (t: string) => sent.push(t) })
    const box = el.querySelector('textarea')!
    box.value = 'And of Germany?'
    box.dispatchEvent(new Event('input'))
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await nextTick()
    expect(sent).toEqual([])
    expect(box.value).toBe('And of Germany?')
  })

  it('sends on Enter when nothing is being written, and empties the box', async () => {
    const sent: string[] = []
    const el = mount(ChatComposer, { isGenerating: false, isDisabled: false, tools, onSend: (t: string) => sent.push(t) })
    const box = el.querySelector('textarea')!
    box.value = 'What is the capital of France?'
    box.dispatchEvent(new Event('input'))
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await nextTick()
    expect(sent).toEqual(['What is the capital of France?'])
    expect(box.value).toBe('')
  })
})

describe('ChatReplyInfo on a failed reply', () => {
  it('leaves the failure to the reply itself (ChatMessage shows it once, with its next step)', () => {
    const message = { id: 'm', conversationId: 'c', seq: 1, role: 'assistant', content: '', status: 'error', createdAt: 0, backend: 'wllama', errorCode: 'load_timeout' } as StoredMessage
    const el = mount(ChatReplyInfo, { message })
    expect(el.querySelector('[data-testid=reply-error]')).toBeNull()
    expect(el.textContent).not.toContain('took too long to load')
  })
})
