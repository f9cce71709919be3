// @vitest-environment jsdom
/**
 * A conversation row's Rename and Delete keep the keyboard focus (newcomer report #7): Rename focuses its field with
 * the title selected, Esc cancels and gives the focus back to ✎, Enter saves; one rename field open at a time; the
 * "Delete?" confirmation takes the focus and Keep or Esc gives it back to ✕.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import ChatConversationItem from '../../../../src/components/chat/ChatConversationItem.vue'
import type { Conversation } from '../../../../src/conversations/types'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0))
    c()
})

const conv = (id: string, title: string): Conversation => ({ id, title, createdAt: 0, updatedAt: 0 })

function mountRows(titles: string[]) {
  const events: Array<[string, string, string?]> = []
  const el = document.createElement('ul')
  document.body.append(el)
  const app = createApp({
    render: () => titles.map((t, i) => h(ChatConversationItem, {
      conversation: conv(`c${i}`, t), isCurrent: i === 0,
      onRename: (title: string) => events.push(['rename', `c${i}`, title]),
      onDelete: () => events.push(['delete', `c${i}`]),
    })),
  })
  app.mount(el)
  cleanups.push(() => { app.unmount(); el.remove() })
  const rows = () => [...el.querySelectorAll<HTMLElement>('[data-testid=conversation]')]
  const q = <T extends HTMLElement>(row: number, id: string) => rows()[row]!.querySelector<T>(`[data-testid=${id}]`)
  return { el, events, q }
}

const flush = async () => { await nextTick(); await nextTick() }
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }))

describe('ChatConversationItem rename', () => {
  it('focuses the field with the title selected; Esc cancels and refocuses ✎', async () => {
    const { q, events } = mountRows(['Paris trip'])
    q(0, 'rename')!.click()
    await flush()
    const input = q<HTMLInputElement>(0, 'rename-input')!
    expect(document.activeElement).toBe(input)
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, 'Paris trip'.length])
    key(input, 'Escape')
    await flush()
    expect(q(0, 'rename-input')).toBeNull()
    expect(document.activeElement).toBe(q(0, 'rename'))
    expect(events).toEqual([])
  })

  it('Enter (submit) saves the new title and leaves the focus on the row', async () => {
    const { q, events } = mountRows(['Paris trip'])
    q(0, 'rename')!.click()
    await flush()
    const input = q<HTMLInputElement>(0, 'rename-input')!
    input.value = 'Lyon'
    input.dispatchEvent(new Event('input'))
    input.form!.requestSubmit()
    await flush()
    expect(events).toEqual([['rename', 'c0', 'Lyon']])
    expect(document.activeElement).toBe(q(0, 'open-conversation'))
  })

  it('opens one rename field at a time', async () => {
    const { el, q } = mountRows(['One', 'Two'])
    q(0, 'rename')!.click()
    await flush()
    q(1, 'rename')!.click()
    await flush()
    expect(el.querySelectorAll('[data-testid=rename-input]')).toHaveLength(1)
    expect(document.activeElement).toBe(q(1, 'rename-input'))
  })
})

describe('ChatConversationItem delete', () => {
  it('focuses "Delete?"; Keep and Esc give the focus back to ✕', async () => {
    const { q, events } = mountRows(['Paris trip'])
    q(0, 'delete')!.click()
    await flush()
    expect(document.activeElement).toBe(q(0, 'delete-confirm'))
    q(0, 'delete-cancel')!.click()
    await flush()
    expect(q(0, 'delete-confirm')).toBeNull()
    expect(document.activeElement).toBe(q(0, 'delete'))
    q(0, 'delete')!.click()
    await flush()
    key(q(0, 'delete-confirm')!, 'Escape')
    await flush()
    expect(document.activeElement).toBe(q(0, 'delete'))
    q(0, 'delete')!.click()
    await flush()
    q(0, 'delete-confirm')!.click()
    expect(events).toEqual([['delete', 'c0']])
  })
})
