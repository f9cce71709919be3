import { nextTick, watch } from 'vue'
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

  // /settings?field=NAME (an error's "Add key" button) focuses that field once the drawer is open.
  watch(() => [route.name, route.query.field] as const, async ([name, field]) => {
    if (name === 'settings' && typeof field === 'string' && field) {
      await nextTick()
      requestAnimationFrame(() => focusSettingsField(field))
    }
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

/** Test ids of fields whose id is not `setting-<field in kebab case>` (SettingsField's rule). */
const FIELD_TEST_IDS: Readonly<Record<string, string>> = { geminiApiKey: 'setting-gemini-key', nThreads: 'setting-threads' }

/**
 * Focuses a field of the open Settings drawer by its settings name: an element marked `data-settings-field="NAME"`,
 * else the field's test id. A closed <details> around it is opened first. Nothing happens for an unknown name.
 */
export function focusSettingsField(field: string, root: ParentNode = document): boolean {
  const testId = FIELD_TEST_IDS[field] ?? `setting-${field.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`
  const drawer = root.querySelector('[data-testid=settings-drawer]') ?? root
  const el = drawer.querySelector<HTMLElement>(`[data-settings-field="${CSS.escape(field)}"]`)
    ?? drawer.querySelector<HTMLElement>(`[data-testid="${CSS.escape(testId)}"]`)
  if (!el)
    return false
  for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null)
    d.open = true
  el.scrollIntoView({ block: 'center' })
  el.focus()
  return true
}
