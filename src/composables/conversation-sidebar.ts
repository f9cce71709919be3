import { onKeyStroke, useMediaQuery } from '@vueuse/core'
import { nextTick, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { usePanels } from './panels'

/** The conversations sidebar's state, from {@link useConversationSidebar}. */
export interface ConversationSidebar {
  /** The screen is phone-sized (max-width 48rem): the sidebar is a drawer over the chat. */
  isPhone: Ref<boolean>
  /** The sidebar (or drawer) is open; shown only on a chat route. */
  isSidebarOpen: Ref<boolean>
  /** The current route shows the conversations (chat, settings, help); Models and Performance use the whole width. */
  isChatRoute: () => boolean
}

/**
 * Phones get the conversations as a drawer, closed at first; wider screens as a sidebar that can be collapsed.
 * VueUse's useMediaQuery follows the width as it changes (rotating a tablet), where a one-off matchMedia did not.
 * On a phone, another route closes the drawer, and Esc closes it and gives the focus back to `#toggle-sidebar`; a
 * request to show the conversations (usePanels' `conversationListRequests`) opens it, going to the chat first.
 * Crossing to phone width closes the drawer whatever it was at desktop width (a 1280 to 360 resize popped it open over
 * the chat), and crossing back opens the sidebar. Opening the drawer on a phone moves the focus into it (its first
 * control, New chat), so the keyboard and screen readers land where the user asked to go.
 * Call it once, from the app's root component, before the chat's keyboard shortcuts are added.
 */
export function useConversationSidebar(): ConversationSidebar {
  const panels = usePanels()
  const route = useRoute()
  const router = useRouter()
  const isPhone = useMediaQuery('(max-width: 48rem)')
  const isSidebarOpen = ref(!isPhone.value)
  const isChatRoute = () => route.name === 'chat' || route.name === 'settings' || route.name === 'help'
  watch(isPhone, (phone) => {
    isSidebarOpen.value = !phone
  })
  watch(isSidebarOpen, async (isOpen) => {
    if (!isOpen || !isPhone.value)
      return
    await nextTick()
    document.querySelector<HTMLElement>('#conversations button:not(:disabled), #conversations input')?.focus()
  })
  watch(() => route.fullPath, () => {
    if (isPhone.value)
      isSidebarOpen.value = false
  })
  watch(() => panels.state.conversationListRequests, async () => {
    if (!isChatRoute())
      await router.push('/')
    isSidebarOpen.value = true
  })
  // Esc closes the conversations drawer on phones, like the Settings and Help drawers. It is handled here first (App's
  // listener is added before the chat's), so the same Esc does not also stop an answer (chat-shortcuts.ts skips a
  // handled Esc).
  onKeyStroke('Escape', (event) => {
    if (!isPhone.value || !isSidebarOpen.value || !isChatRoute() || panels.state.isSettingsOpen || panels.state.isHelpOpen)
      return
    event.preventDefault()
    isSidebarOpen.value = false
    document.getElementById('toggle-sidebar')?.focus()
  })
  return { isPhone, isSidebarOpen, isChatRoute }
}
