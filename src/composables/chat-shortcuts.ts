import { useEventListener } from '@vueuse/core'

export interface ChatShortcutActions {
  stop: () => void
  isGenerating: () => boolean
  focusComposer: () => void
  newChat: () => Promise<void> | void
}

/** Whether the key event came from a place where typed characters are text (so `/` must stay a character). */
function isInField(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null
  return !!target?.closest?.('input, textarea, select, [contenteditable=true]')
}

/**
 * The chat's keys, wherever the focus is: Esc stops the reply (unless something already used that Esc, such as
 * closing the phone's conversations drawer); / goes to the composer (unless the focus is in a
 * field, where / is text); Ctrl/Cmd+K starts a new chat. VueUse's useEventListener adds the window listener for
 * the component's lifetime and removes it on unmount (what onMounted/onBeforeUnmount did by hand); onKeyStroke is
 * not used because Ctrl/Cmd+K needs the modifier test in the same handler anyway.
 */
export function useChatShortcuts(actions: ChatShortcutActions): void {
  useEventListener(window, 'keydown', (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !event.defaultPrevented && actions.isGenerating()) {
      actions.stop()
    }
    else if (event.key === '/' && !isInField(event) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault()
      actions.focusComposer()
    }
    else if (event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey) && !actions.isGenerating()) {
      event.preventDefault()
      void actions.newChat()
      actions.focusComposer()
    }
  })
}
