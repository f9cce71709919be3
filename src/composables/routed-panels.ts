import { watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { usePanels } from './panels'

/**
 * Keeps the Settings and Help drawers and the URL in step: /settings and /help open them, opening one from anywhere
 * pushes its URL, and closing one (Esc, the close button) goes Back, so the browser's Back button closes them too.
 */
export function useRoutedPanels(): void {
  const { state } = usePanels()
  const route = useRoute()
  const router = useRouter()
  const PANELS = [['settings', 'isSettingsOpen'], ['help', 'isHelpOpen']] as const

  watch(() => route.name, (name) => {
    for (const [routeName, key] of PANELS)
      state[key] = name === routeName
  }, { immediate: true })

  for (const [routeName, key] of PANELS) {
    watch(() => state[key], (isOpen) => {
      if (isOpen && route.name !== routeName)
        void router.push({ name: routeName })
      else if (!isOpen && route.name === routeName)
        void (window.history.state?.back ? router.back() : router.replace('/'))
    })
  }
}
