import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { DEFAULT_N_CTX } from '../engines/wllama/load-plan'
import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE } from '../engines/wllama/prompt'
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
  /** CPU threads; 0 lets the app measure the fastest count on first load. Default 0. */
  nThreads: number
  /** Run on the GPU when WebGPU is usable, or always on the CPU. Default 'auto'. */
  gpuMode: 'auto' | 'cpu'
  /** Unload the model after this many minutes without use, to free memory; 0 = never. Default 15. */
  idleUnloadMinutes: number
  /** Chat template for models without one (e.g. `chatml`); empty = the model's own, or plain completion. */
  chatTemplate: string
}

const DEFAULTS: UserSettings = { nCtx: DEFAULT_N_CTX, temperature: DEFAULT_TEMPERATURE, maxTokens: DEFAULT_MAX_TOKENS, nThreads: 0, gpuMode: 'auto', idleUnloadMinutes: 15, chatTemplate: '' }

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
  const nThreads = ref(saved.nThreads)
  const gpuMode = ref(saved.gpuMode)
  const idleUnloadMinutes = ref(saved.idleUnloadMinutes)
  const chatTemplate = ref(saved.chatTemplate)

  const hubUrl = computed(() => hubUrlOverride.value ?? serverHubUrl.value ?? PUBLIC_HUB_URL)

  const all = { nCtx, temperature, maxTokens, nThreads, gpuMode, idleUnloadMinutes, chatTemplate }
  watch([hubUrlOverride, ...Object.values(all)], () => {
    const s: UserSettings = {
      hubUrl: hubUrlOverride.value, nCtx: nCtx.value, temperature: temperature.value, maxTokens: maxTokens.value,
      nThreads: nThreads.value, gpuMode: gpuMode.value, idleUnloadMinutes: idleUnloadMinutes.value, chatTemplate: chatTemplate.value,
    }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s))
  })

  return { hubUrl, hubUrlOverride, serverHubUrl, ...all }
})
