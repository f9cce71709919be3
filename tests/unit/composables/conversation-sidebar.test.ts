// @vitest-environment jsdom
/**
 * The conversations drawer on phones (newcomer report #12 and #14): it starts closed at phone width whatever happened
 * at desktop width (a 1280 to 360 resize popped it open over the chat), and opening it moves the focus into it.
 * The width is a stubbed matchMedia whose listeners are called as a resize would.
 */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useConversationSidebar, type ConversationSidebar } from '../../../src/composables/conversation-sidebar'

let matches = false
const listeners = new Set<(e: { matches: boolean }) => void>()
const cleanups: Array<() => void> = []

beforeEach(() => {
  setActivePinia(createPinia())
  vi.stubGlobal('matchMedia', (query: string) => ({
    get matches() { return matches },
    media: query,
    addEventListener: (_: string, fn: (e: { matches: boolean }) => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: (e: { matches: boolean }) => void) => listeners.delete(fn),
  }))
})
afterEach(() => {
  for (const c of cleanups.splice(0))
    c()
  listeners.clear()
  vi.unstubAllGlobals()
})

function resize(phone: boolean): void {
  matches = phone
  for (const fn of listeners)
    fn({ matches: phone })
}

async function mount(): Promise<ConversationSidebar> {
  let sidebar!: ConversationSidebar
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', name: 'chat', component: { render: () => null } }] })
  await router.push('/')
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp({
    setup() {
      sidebar = useConversationSidebar()
      return () => h('aside', { id: 'conversations' }, [h('button', { 'data-testid': 'new-conversation' }, 'New chat')])
    },
  })
  app.use(createPinia()).use(router).mount(el)
  cleanups.push(() => { app.unmount(); el.remove() })
  await nextTick()
  return sidebar
}

describe('useConversationSidebar', () => {
  it('closes the drawer when the window narrows to phone width, and opens the sidebar when it widens', async () => {
    matches = false
    const { isSidebarOpen } = await mount()
    expect(isSidebarOpen.value).toBe(true)
    resize(true)
    await nextTick()
    expect(isSidebarOpen.value).toBe(false)
    resize(false)
    await nextTick()
    expect(isSidebarOpen.value).toBe(true)
  })

  it('moves the focus into the drawer when it opens on a phone', async () => {
    matches = true
    const { isSidebarOpen } = await mount()
    expect(isSidebarOpen.value).toBe(false)
    isSidebarOpen.value = true
    await nextTick()
    await nextTick()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('new-conversation')
  })
})
