// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { PUBLIC_HUB_URL } from '../../../src/models/hub-client'
import { useSettingsStore } from '../../../src/stores/settings'

const STORAGE_KEY = 'local-ai:settings'

/** The store as a page load would create it: a new pinia reading what localStorage holds now. */
function freshStore() {
  setActivePinia(createPinia())
  return useSettingsStore()
}

function savedSettings(): unknown {
  const raw = localStorage.getItem(STORAGE_KEY)
  return raw === null ? null : JSON.parse(raw)
}

beforeEach(() => {
  localStorage.clear()
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('settings store', () => {
  it('starts from the defaults and saves nothing until something changes', async () => {
    const settings = freshStore()
    expect(settings.nCtx).toBe(2048)
    expect(settings.temperature).toBe(0.7)
    expect(settings.maxTokens).toBe(256)
    expect(settings.hubUrlOverride).toBeUndefined()
    expect(settings.serverHubUrl).toBeUndefined()
    expect(settings.hubUrl).toBe(PUBLIC_HUB_URL)
    await nextTick()
    expect(localStorage.getItem(STORAGE_KEY)).toBeNull()
  })

  it('uses the override, else the server mirror, else the public Hub', () => {
    const settings = freshStore()
    expect(settings.hubUrl).toBe('https://huggingface.co')
    settings.serverHubUrl = 'http://127.0.0.1:8787'
    expect(settings.hubUrl).toBe('http://127.0.0.1:8787')
    settings.hubUrlOverride = 'https://hf-mirror.example'
    expect(settings.hubUrl).toBe('https://hf-mirror.example')
    settings.hubUrlOverride = undefined
    expect(settings.hubUrl).toBe('http://127.0.0.1:8787')
    settings.serverHubUrl = undefined
    expect(settings.hubUrl).toBe('https://huggingface.co')
  })

  it('saves changes to localStorage and a new page reads them back', async () => {
    const settings = freshStore()
    settings.nCtx = 4096
    settings.temperature = 0
    settings.maxTokens = 64
    settings.hubUrlOverride = 'https://hf-mirror.example'
    await nextTick()
    expect(savedSettings()).toEqual({ hubUrl: 'https://hf-mirror.example', nCtx: 4096, temperature: 0, maxTokens: 64, nThreads: 0, gpuMode: 'auto', idleUnloadMinutes: 15, chatTemplate: '' })

    const reloaded = freshStore()
    expect(reloaded).not.toBe(settings)
    expect(reloaded.nCtx).toBe(4096)
    expect(reloaded.temperature).toBe(0)
    expect(reloaded.maxTokens).toBe(64)
    expect(reloaded.hubUrlOverride).toBe('https://hf-mirror.example')
    expect(reloaded.hubUrl).toBe('https://hf-mirror.example')
  })

  it('does not save the server mirror, which is learnt again at each start', async () => {
    const settings = freshStore()
    settings.serverHubUrl = 'http://127.0.0.1:8787'
    settings.maxTokens = 128
    await nextTick()
    expect(savedSettings()).toEqual({ nCtx: 2048, temperature: 0.7, maxTokens: 128, nThreads: 0, gpuMode: 'auto', idleUnloadMinutes: 15, chatTemplate: '' })
    expect(freshStore().hubUrl).toBe(PUBLIC_HUB_URL)
  })

  it('forgets a cleared override after a reload', async () => {
    const settings = freshStore()
    settings.hubUrlOverride = 'https://hf-mirror.example'
    await nextTick()
    settings.hubUrlOverride = undefined
    await nextTick()
    const reloaded = freshStore()
    expect(reloaded.hubUrlOverride).toBeUndefined()
    expect(reloaded.hubUrl).toBe(PUBLIC_HUB_URL)
  })

  it('fills fields missing from saved settings with the defaults', () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ maxTokens: 32 }))
    const settings = freshStore()
    expect(settings.maxTokens).toBe(32)
    expect(settings.nCtx).toBe(2048)
    expect(settings.temperature).toBe(0.7)
  })

  it('falls back to the defaults when the saved JSON is corrupt', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    localStorage.setItem(STORAGE_KEY, '{"nCtx": 4096,')
    const settings = freshStore()
    expect(settings.nCtx).toBe(2048)
    expect(settings.temperature).toBe(0.7)
    expect(settings.maxTokens).toBe(256)
    expect(settings.hubUrl).toBe(PUBLIC_HUB_URL)
    expect(warn).toHaveBeenCalledOnce()
  })
})
