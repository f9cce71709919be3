import { del, get, set } from 'idb-keyval'
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, toRaw, watch, type WritableComputedRef } from 'vue'
import { PUBLIC_HUB_URL } from '../models/hub-url'
import { AppError } from '../shared/errors'
import { isQuotaError } from '../shared/quota'
import {
  DEFAULT_SETTINGS, RELOAD_FIELDS, sanitizeSettings, settingsOfGroup, validateSettings,
  type SettingsGroup, type SettingsSnapshot, type UserSettings,
} from './settings-schema'

export type { BackendChoice, SettingsSnapshot, ToolName, UserSettings } from './settings-schema'
export { BACKEND_CHOICES, DEFAULT_SETTINGS, RELOAD_FIELDS, TOOL_NAMES } from './settings-schema'

/** idb-keyval keys. The key lives apart from the settings so Forget deletes exactly it. */
export const SETTINGS_KEY = 'local-ai:settings'
export const GEMINI_KEY_KEY = 'local-ai:gemini-api-key'
/** Where settings were kept before they moved to IndexedDB; read once, then removed. */
export const LEGACY_STORAGE_KEY = 'local-ai:settings'

type ReloadValues = Pick<UserSettings, (typeof RELOAD_FIELDS)[number]>

function pickReload(s: UserSettings): ReloadValues {
  return Object.fromEntries(RELOAD_FIELDS.map(k => [k, s[k]])) as ReloadValues
}

function readLegacy(): unknown {
  if (typeof localStorage === 'undefined')
    return undefined
  const raw = localStorage.getItem(LEGACY_STORAGE_KEY)
  if (raw === null)
    return undefined
  try {
    return JSON.parse(raw) as unknown
  }
  catch (err) {
    console.warn('Ignoring unreadable saved settings', err)
    return {}
  }
}

/**
 * User settings, validated and saved on the device with idb-keyval. `hydrate()` reads them (moving the old
 * localStorage copy over once); until it resolves the store holds the defaults. The form edits `values`; invalid input
 * stays there with its message in `errors` but is never saved nor handed to the engines: the per-field refs
 * (`settings.nCtx`) and `snapshot()` give the last valid values.
 */
export const useSettingsStore = defineStore('settings', () => {
  const values = reactive<UserSettings>(structuredClone(DEFAULT_SETTINGS))
  const geminiApiKey = ref('')
  const serverHubUrl = ref<string | undefined>()
  const isHydrated = ref(false)
  /** The last valid values: what is saved and what the engines get. */
  const valid = shallowRef<UserSettings>(structuredClone(DEFAULT_SETTINGS))
  /** The reload-relevant values the current model was loaded with; null when no model is loaded. */
  const appliedReload = ref<ReloadValues | null>(null)

  const errors = computed(() => validateSettings(values))
  const isValid = computed(() => Object.keys(errors.value).length === 0)
  const hubUrlOverride = computed<string | undefined>({
    get: () => values.hubUrl || undefined,
    set: (v) => { values.hubUrl = v ?? '' },
  })
  const hubUrl = computed(() => (errors.value.hubUrl ? valid.value.hubUrl : values.hubUrl) || serverHubUrl.value || PUBLIC_HUB_URL)
  /** Reload-relevant fields changed since the model loaded: the UI offers to reload. */
  const pendingReload = computed(() => {
    const applied = appliedReload.value
    if (!applied)
      return []
    return RELOAD_FIELDS.filter(k => !errors.value[k] && values[k] !== applied[k])
  })

  let hydrating: Promise<void> | null = null
  function hydrate(): Promise<void> {
    hydrating ??= (async () => {
      let saved = await get<unknown>(SETTINGS_KEY)
      const legacy = readLegacy()
      if (saved === undefined && legacy !== undefined) {
        saved = sanitizeSettings(legacy)
        await set(SETTINGS_KEY, saved)
      }
      if (legacy !== undefined)
        localStorage.removeItem(LEGACY_STORAGE_KEY)
      valid.value = sanitizeSettings(saved)
      Object.assign(values, structuredClone(valid.value))
      geminiApiKey.value = (await get<string>(GEMINI_KEY_KEY)) ?? ''
      isHydrated.value = true
    })()
    return hydrating
  }

  /**
   * The last save failed (storage full, say): the form keeps the values and they are saved with the next change or
   * when space is freed ({@link retrySaving}); null once saved.
   */
  const saveError = ref<AppError | null>(null)
  let saving: Promise<void> = Promise.resolve()
  /** Resolves when every change so far is on disk. */
  function flushed(): Promise<void> {
    return saving
  }

  watch(values, () => {
    if (!isHydrated.value)
      return
    const next = sanitizeSettings(toRaw(values), valid.value)
    if (JSON.stringify(next) === JSON.stringify(valid.value))
      return
    valid.value = next
    save()
  }, { deep: true })

  /** Writes the last valid values; a failure is kept in `saveError` (they stay in memory and are written again). */
  function save(): void {
    const next = structuredClone(toRaw(valid.value))
    saving = saving.then(() => set(SETTINGS_KEY, next)).then(() => { saveError.value = null }, (err: unknown) => {
      console.warn('Saving settings failed', err)
      saveError.value = isQuotaError(err)
        ? new AppError('storage_full', 'Your settings are used in this tab but not saved yet; they are saved with your next change or once there is room.', { cause: err })
        : new AppError('storage_unavailable', 'Your settings could not be saved in this browser; they apply in this tab only.', { cause: err })
    })
  }

  /** Space was freed: settings that could not be saved are tried again. */
  function retrySaving(): void {
    if (saveError.value)
      save()
  }

  async function saveGeminiKey(key: string): Promise<void> {
    geminiApiKey.value = key.trim()
    await set(GEMINI_KEY_KEY, geminiApiKey.value)
  }

  /** Removes the Gemini key from this device. */
  async function forgetGeminiKey(): Promise<void> {
    geminiApiKey.value = ''
    await del(GEMINI_KEY_KEY)
  }

  /** The model loaded (or was unloaded): remember which reload-relevant values it uses. */
  function markApplied(isLoaded: boolean): void {
    appliedReload.value = isLoaded ? pickReload(sanitizeSettings(toRaw(values), valid.value)) : null
  }

  /** Validated settings for the agent core and engines: plain data, with the key. */
  function snapshot(): SettingsSnapshot {
    const s = sanitizeSettings(toRaw(values), valid.value)
    return { ...s, geminiApiKey: geminiApiKey.value, effectiveHubUrl: hubUrl.value }
  }

  /**
   * One field per setting, for code that reads or sets a single value (`settings.temperature`): reading gives the
   * last valid value, so engines never see what the user is still typing; writing sets it as the form does.
   */
  const fields = Object.fromEntries((Object.keys(DEFAULT_SETTINGS) as Array<keyof UserSettings>).map(k => [k, computed({
    get: () => (errors.value[k] ? valid.value[k] : values[k]),
    set: (v) => { (values as Record<string, unknown>)[k] = v },
  })])) as { [K in keyof UserSettings]: WritableComputedRef<UserSettings[K]> }

  /**
   * Puts one group's settings back to their defaults (the Gemini key is not a setting: Forget removes it) and returns
   * what they were, valid or not, so `restore` can undo it.
   */
  function resetGroup(group: SettingsGroup): Partial<UserSettings> {
    const before: Partial<UserSettings> = {}
    for (const key of settingsOfGroup(group)) {
      (before as Record<string, unknown>)[key] = structuredClone(toRaw(values[key]))
      ;(values as Record<string, unknown>)[key] = structuredClone(DEFAULT_SETTINGS[key])
    }
    return before
  }

  /** Undoes `resetGroup`: sets the fields it returned back as they were. */
  function restore(saved: Partial<UserSettings>): void {
    Object.assign(values, structuredClone(toRaw(saved)))
  }

  return {
    ...fields, values, errors, isValid, hubUrl, hubUrlOverride, serverHubUrl, geminiApiKey, isHydrated,
    pendingReload, saveError, hydrate, flushed, retrySaving, saveGeminiKey, forgetGeminiKey, markApplied, snapshot, resetGroup, restore,
  }
})
