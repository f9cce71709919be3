// @vitest-environment happy-dom
/**
 * The header's model picker: arrow keys on a closed native select fire `change` for every option passed (Chromium,
 * Firefox); they must only move the highlight, and Enter or a click chooses (a newcomer's report, item 5).
 */
import { describe, expect, it, vi } from 'vitest'
import { useSelectOnEnter } from '../../../../src/composables/select-on-enter'

function picker(current = 'a') {
  const select = document.createElement('select')
  select.innerHTML = '<option value="a">a</option><option value="b">b</option><option value="more">more</option>'
  select.value = current
  document.body.append(select)
  const choose = vi.fn()
  const handlers = useSelectOnEnter(() => current, choose)
  select.addEventListener('keydown', handlers.onKeydown)
  select.addEventListener('change', handlers.onChange)
  select.addEventListener('blur', handlers.onBlur)
  select.addEventListener('pointerdown', handlers.onPointerdown)
  /** What the browser does on an arrow key over a closed select: keydown, the next option, then `change`. */
  const arrowTo = (value: string, key = 'ArrowDown') => {
    select.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))
    select.value = value
    select.dispatchEvent(new Event('change', { bubbles: true }))
  }
  const press = (key: string) => {
    const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })
    select.dispatchEvent(event)
    return event
  }
  return { select, choose, arrowTo, press }
}

describe('useSelectOnEnter', () => {
  it('arrow keys move the highlight only; Enter chooses the highlighted option', () => {
    const { select, choose, arrowTo, press } = picker()
    arrowTo('b')
    arrowTo('more')
    expect(choose).not.toHaveBeenCalled()
    expect(select.value).toBe('more')
    arrowTo('b', 'ArrowUp')
    const enter = press('Enter')
    expect(choose).toHaveBeenCalledExactlyOnceWith('b')
    expect(enter.defaultPrevented).toBe(true)
    // The select shows the app's current choice until the choice takes effect.
    expect(select.value).toBe('a')
  })

  it('"Get more models" acts only on Enter, and Enter on the current choice does nothing', () => {
    const { choose, arrowTo, press } = picker()
    arrowTo('more', 'End')
    expect(choose).not.toHaveBeenCalled()
    press('Enter')
    expect(choose).toHaveBeenCalledExactlyOnceWith('more')
    arrowTo('a', 'Home')
    press('Enter')
    expect(choose).toHaveBeenCalledTimes(1)
  })

  it('Esc and leaving the select put the current choice back, without choosing', () => {
    const { select, choose, arrowTo, press } = picker()
    arrowTo('b')
    const esc = press('Escape')
    expect(esc.defaultPrevented).toBe(true)
    expect(select.value).toBe('a')
    arrowTo('more')
    select.dispatchEvent(new Event('blur'))
    expect(select.value).toBe('a')
    press('Enter')
    expect(choose).not.toHaveBeenCalled()
  })

  it('a click in the open list (or a phone picker) chooses at once, even after arrow keys', () => {
    const { select, choose, arrowTo } = picker()
    arrowTo('b')
    select.dispatchEvent(new Event('pointerdown'))
    select.value = 'more'
    select.dispatchEvent(new Event('change'))
    expect(choose).toHaveBeenCalledExactlyOnceWith('more')
  })
})
