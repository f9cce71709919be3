import { reactive } from 'vue'

/** Which guide the help panel shows: a file name in docs/ without `.md`, or `readme`. */
export type HelpDoc = 'readme' | 'setup' | 'troubleshooting' | 'performance' | 'privacy-security' | 'architecture'

/**
 * The app's overlay panels (settings drawer, help), shared so any component can open them: an error notice opens
 * the help at its troubleshooting section; the header opens settings.
 */
const state = reactive({
  isSettingsOpen: false,
  isHelpOpen: false,
  helpDoc: 'readme' as HelpDoc,
  /** Heading id to scroll to once the guide is shown; '' = the top. */
  helpAnchor: '',
  /** Counts requests to show the conversation list (a notice's "Delete old chats"); App opens the sidebar on each. */
  conversationListRequests: 0,
})

export function usePanels() {
  function openHelp(doc: HelpDoc = 'readme', anchor = ''): void {
    state.isSettingsOpen = false
    state.helpDoc = doc
    state.helpAnchor = anchor
    state.isHelpOpen = true
  }
  return { state, openHelp }
}
