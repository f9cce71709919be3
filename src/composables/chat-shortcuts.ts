import { onBeforeUnmount, onMounted } from 'vue'

export interface ChatShortcutActions {
  stop: () => void
  isGenerating: () => boolean
  focusComposer: () => void
  newChat: () => Promise<void> | void
}

/**
 * The chat's keys, wherever the focus is: Esc stops the reply; / goes to the composer (unless the focus is in a
 * field, where / is text); Ctrl/Cmd+K starts a new chat.
 */
export function useChatShortcuts(actions: ChatShortcutActions): void {
  function onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null
    const isInField = !!target?.closest?.('input, textarea, select, [contenteditable=true]')
    if (event.key === 'Escape' && actions.isGenerating()) {
      actions.stop()
    }
    else if (event.key === '/' && !isInField && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault()
      actions.focusComposer()
    }
    else if (event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey) && !actions.isGenerating()) {
      event.preventDefault()
      void actions.newChat()
      actions.focusComposer()
    }
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
