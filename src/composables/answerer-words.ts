import { computed, type ComputedRef } from 'vue'
import { ERROR_HELP } from '../shared/errors'
import { useModelManagerStore } from '../stores/manager'
import { useLibraryStore } from '../stores/library'
import { useModelsStore } from '../stores/models'
import { useReadinessStore } from '../stores/readiness'
import { useSettingsStore } from '../stores/settings'

/** The words that depend on who answers the next message, from {@link useAnswererWords}. */
export interface AnswererWords {
  /** The next message goes to a cloud backend or a server (Gemini, an OpenAI-compatible server): it leaves this device. */
  isRemote: ComputedRef<boolean>
  /** The composer's placeholder: who it asks, or why it cannot send yet. */
  placeholder: ComputedRef<string>
  /** The header's offline line once the app's files are saved: "Works offline", or that answers need the network. */
  offlineReady: ComputedRef<string>
  /** Where what you type goes, for Settings' "Who answers" (the backend chosen there). */
  privacy: ComputedRef<string>
}

const REMOTE_NAMES = { 'gemini': 'Gemini', 'openai-compat': 'your server' } as const

/**
 * Texts that must follow the backend that will answer the next message (newcomer report #13: with Gemini chosen the
 * header still said "Works offline", Settings "On this device, nothing you type leaves it", and the disabled composer
 * "Ask anything..."). Who answers is the model manager's `answerer` (settings' choice, or Auto's Gemini fallback);
 * before anything can answer, the chosen backend in Settings.
 */
export function useAnswererWords(): AnswererWords {
  const manager = useModelManagerStore()
  const settings = useSettingsStore()
  const readiness = useReadinessStore()
  const models = useModelsStore()
  const library = useLibraryStore()
  const remote = computed(() => {
    const who = manager.answerer ?? settings.backend
    return who === 'gemini' || who === 'openai-compat' ? REMOTE_NAMES[who] : null
  })
  const placeholder = computed(() => {
    const blocked = readiness.readiness?.isBlocking ? readiness.readiness.error : null
    if (blocked)
      return `Cannot send yet: ${ERROR_HELP[blocked.code].title}`
    if (!manager.answerer && !models.canPrepare)
      return 'Cannot send yet: choose a model under Models.'
    return remote.value ? `Ask ${remote.value} anything… (it leaves this device)` : 'Ask anything…'
  })
  // "Works offline" with no model on the device promised answers the app cannot give offline (a newcomer's report).
  const offlineReady = computed(() => (remote.value
    ? `Answers need the network (${remote.value})`
    : library.ready.length ? 'Works offline' : 'Works offline once a model is downloaded'))
  const privacy = computed(() => {
    const chosen = settings.backend
    return chosen === 'gemini' || chosen === 'openai-compat'
      ? `What you type is sent to ${REMOTE_NAMES[chosen]} to be answered.`
      : 'On this device, nothing you type leaves it.'
  })
  return { isRemote: computed(() => remote.value !== null), placeholder, offlineReady, privacy }
}
