import { reactive } from 'vue'

/** Which page of the user guide the help panel shows: a file name in docs/guide/ without `.md`, or `troubleshooting`. */
export type HelpDoc = 'getting-started' | 'models' | 'privacy' | 'cloud-services' | 'tools-and-mcp' | 'troubleshooting' | 'keyboard-shortcuts'

/**
 * The app's overlay panels (settings drawer, help), shared so any component can open them: an error notice opens
 * the help at its troubleshooting section; the header opens settings.
 */
const state = reactive({
  isSettingsOpen: false,
  isHelpOpen: false,
  helpDoc: 'getting-started' as HelpDoc,
  /** Heading id to scroll to once the guide is shown; '' = the top. */
  helpAnchor: '',
  /** Counts requests to show the conversation list (a notice's "Delete old chats"); App opens the sidebar on each. */
  conversationListRequests: 0,
})

export function usePanels() {
  function openHelp(doc: HelpDoc = 'getting-started', anchor = ''): void {
    state.isSettingsOpen = false
    state.helpDoc = doc
    state.helpAnchor = anchor
    state.isHelpOpen = true
  }
  return { state, openHelp }
}
