/**
 * A native <select> whose arrow keys only move the highlight. Chromium and Firefox on the desktop fire `change` for
 * every arrow key on a closed select, so a picker that acts on `change` acted on every option passed: the header's
 * model picker loaded each model on the way and opened the Models page on reaching "Get more models…" (a newcomer's
 * report, issue 5's kind). Here a `change` that follows a browsing key (arrows, Home/End, PageUp/PageDown, a typed
 * letter) only shows the option; Enter chooses it; Esc or leaving the select puts the current choice back. A `change`
 * with no browsing key before it (a click in the open list, a phone's own picker) chooses at once.
 */
const BROWSE_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'])

export interface SelectOnEnter {
  onKeydown: (event: KeyboardEvent) => void
  onChange: (event: Event) => void
  /** Leaving the select (blur) or pressing the pointer on it: a browsed option that was not chosen is dropped. */
  onBlur: (event: Event) => void
  onPointerdown: () => void
}

/**
 * @param current the value the select stands for now (what the app uses)
 * @param choose acts on a chosen value (load a model, open a page); the select shows `current()` again afterwards,
 *   so a choice that changes nothing (a page opened) does not stay shown
 */
export function useSelectOnEnter(current: () => string, choose: (value: string) => unknown): SelectOnEnter {
  let isBrowsing = false
  const commit = (select: HTMLSelectElement) => {
    isBrowsing = false
    const value = select.value
    select.value = current()
    if (value !== current())
      void choose(value)
  }
  const revert = (select: HTMLSelectElement) => {
    isBrowsing = false
    select.value = current()
  }
  return {
    onKeydown(event) {
      const select = event.target as HTMLSelectElement
      if (isBrowsing && event.key === 'Enter') {
        event.preventDefault()
        commit(select)
      }
      else if (isBrowsing && event.key === 'Escape') {
        // Handled here: the page's own Esc (stop the answer) is not meant.
        event.preventDefault()
        event.stopPropagation()
        revert(select)
      }
      else if (BROWSE_KEYS.has(event.key) || (event.key.length === 1 && event.key !== ' ' && !event.ctrlKey && !event.metaKey && !event.altKey)) {
        isBrowsing = true
      }
    },
    onChange(event) {
      if (!isBrowsing)
        commit(event.target as HTMLSelectElement)
    },
    onBlur(event) {
      if (isBrowsing)
        revert(event.target as HTMLSelectElement)
    },
    onPointerdown() {
      isBrowsing = false
    },
  }
}
