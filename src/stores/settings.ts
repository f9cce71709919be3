import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { PUBLIC_HUB_URL } from '../models/hub-client'

const STORAGE_KEY = 'local-ai:settings'

/** What the user chose; unset fields follow the defaults. */
interface UserSettings {
  /** Hub base URL; unset follows the server's mirror, else the public Hub. */
  hubUrl?: string
  /** Context size in tokens. Default 2048. */
  nCtx: number
  /** 0 is greedy. Default 0.7. */
  temperature: number
  /** Most tokens an answer may have. Default 256. */
  maxTokens: number
}

const DEFAULTS: UserSettings = { nCtx: 2048, temperature: 0.7, maxTokens: 256 }

function readSaved(): Partial<UserSettings> {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<UserSettings>
  }
  catch (err) {
    console.warn('Ignoring unreadable saved settings', err)
    return {}
  }
}

/** User settings, saved in localStorage. */
export const useSettingsStore = defineStore('settings', () => {
  const saved = { ...DEFAULTS, ...readSaved() }
  const hubUrlOverride = ref<string | undefined>(saved.hubUrl)
  const serverHubUrl = ref<string | undefined>()
  const nCtx = ref(saved.nCtx)
  const temperature = ref(saved.temperature)
  const maxTokens = ref(saved.maxTokens)

  const hubUrl = computed(() => hubUrlOverride.value ?? serverHubUrl.value ?? PUBLIC_HUB_URL)

  watch([hubUrlOverride, nCtx, temperature, maxTokens], () => {
    const s: UserSettings = { hubUrl: hubUrlOverride.value, nCtx: nCtx.value, temperature: temperature.value, maxTokens: maxTokens.value }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s))
  })

  return { hubUrl, hubUrlOverride, serverHubUrl, nCtx, temperature, maxTokens }
})
