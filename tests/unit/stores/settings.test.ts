// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { clear, get } from 'idb-keyval'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { PUBLIC_HUB_URL } from '../../../src/models/hub-client'
import { GEMINI_KEY_KEY, LEGACY_STORAGE_KEY, SETTINGS_KEY, useSettingsStore } from '../../../src/stores/settings'
import { DEFAULT_SETTINGS, sanitizeSettings, settingsOfGroup, validateSettings } from '../../../src/stores/settings-schema'

/** The store as a page load creates it: a new pinia, hydrated from what IndexedDB (and localStorage) hold now. */
async function freshStore() {
  setActivePinia(createPinia())
  const store = useSettingsStore()
  await store.hydrate()
  return store
}

/** Lets the deep watcher run, then waits for its write. */
async function settle(store: ReturnType<typeof useSettingsStore>) {
  await nextTick()
  await store.flushed()
}

beforeEach(async () => {
  localStorage.clear()
  await clear()
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('settings store', () => {
  it('starts from the defaults and saves nothing until something changes', async () => {
    const settings = await freshStore()
    expect(settings.nCtx).toBe(2048)
    expect(settings.temperature).toBe(0.7)
    expect(settings.maxTokens).toBe(256)
    expect(settings.backend).toBe('auto')
    expect(settings.hubUrlOverride).toBeUndefined()
    expect(settings.hubUrl).toBe(PUBLIC_HUB_URL)
    await settle(settings)
    expect(await get(SETTINGS_KEY)).toBeUndefined()
  })

  it('uses the override, else the server mirror, else the public Hub', async () => {
    const settings = await freshStore()
    settings.serverHubUrl = 'http://127.0.0.1:8787'
    expect(settings.hubUrl).toBe('http://127.0.0.1:8787')
    settings.hubUrlOverride = 'https://hf-mirror.example'
    expect(settings.hubUrl).toBe('https://hf-mirror.example')
    settings.hubUrlOverride = undefined
    expect(settings.hubUrl).toBe('http://127.0.0.1:8787')
  })

  it('saves changes to IndexedDB and a new page reads them back', async () => {
    const settings = await freshStore()
    settings.nCtx = 4096
    settings.temperature = 0
    settings.topK = 5
    settings.backend = 'gemini'
    settings.tools.notes = false
    settings.hubUrlOverride = 'https://hf-mirror.example'
    await settle(settings)
    expect(await get(SETTINGS_KEY)).toMatchObject({ nCtx: 4096, temperature: 0, topK: 5, backend: 'gemini', hubUrl: 'https://hf-mirror.example' })

    const reloaded = await freshStore()
    expect(reloaded.nCtx).toBe(4096)
    expect(reloaded.topK).toBe(5)
    expect(reloaded.backend).toBe('gemini')
    expect(reloaded.tools).toEqual({ calculator: true, datetime: true, unit_convert: true, notes: false })
    expect(reloaded.hubUrl).toBe('https://hf-mirror.example')
    expect(localStorage.getItem(LEGACY_STORAGE_KEY)).toBeNull()
  })

  it('moves the old localStorage settings into IndexedDB once, then removes them', async () => {
    localStorage.setItem(LEGACY_STORAGE_KEY, JSON.stringify({ nCtx: 1024, maxTokens: 32, gpuMode: 'cpu', hubUrl: 'https://old.example' }))
    const settings = await freshStore()
    expect(settings.nCtx).toBe(1024)
    expect(settings.maxTokens).toBe(32)
    expect(settings.gpuMode).toBe('cpu')
    expect(settings.hubUrl).toBe('https://old.example')
    expect(settings.temperature).toBe(0.7)
    expect(localStorage.getItem(LEGACY_STORAGE_KEY)).toBeNull()
    expect(await get(SETTINGS_KEY)).toMatchObject({ nCtx: 1024, maxTokens: 32 })

    // A stale copy appearing later (an old tab) does not overwrite what IndexedDB holds.
    localStorage.setItem(LEGACY_STORAGE_KEY, JSON.stringify({ nCtx: 512 }))
    expect((await freshStore()).nCtx).toBe(1024)
  })

  it('falls back to the defaults when the old saved JSON is corrupt', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    localStorage.setItem(LEGACY_STORAGE_KEY, '{"nCtx": 4096,')
    const settings = await freshStore()
    expect(settings.nCtx).toBe(2048)
    expect(warn).toHaveBeenCalledOnce()
  })

  it('shows a message for an invalid value, and neither saves it nor hands it to the engines', async () => {
    const settings = await freshStore()
    settings.maxTokens = 64
    await settle(settings)
    settings.maxTokens = -3
    settings.topP = 1.5
    settings.openaiUrl = 'localhost:8080'
    await settle(settings)
    expect(settings.errors.maxTokens).toBe('Between 1 and 32768.')
    expect(settings.errors.topP).toBe('Above 0 and at most 1.')
    expect(settings.errors.openaiUrl).toMatch(/http:\/\/ or https:\/\//)
    expect(settings.isValid).toBe(false)
    // The form keeps what was typed; everything else reads the last valid value.
    expect(settings.values.maxTokens).toBe(-3)
    expect(settings.maxTokens).toBe(64)
    expect(settings.topP).toBe(0.95)
    expect(settings.snapshot()).toMatchObject({ maxTokens: 64, topP: 0.95, openaiUrl: '' })
    expect(await get(SETTINGS_KEY)).toMatchObject({ maxTokens: 64, topP: 0.95, openaiUrl: '' })
    settings.maxTokens = 100
    await settle(settings)
    expect(settings.errors.maxTokens).toBeUndefined()
    expect(settings.snapshot().maxTokens).toBe(100)
  })

  it('keeps the Gemini key apart, gives it to the snapshot, and Forget deletes it from storage', async () => {
    const settings = await freshStore()
    await settings.saveGeminiKey('  AIza-secret-key ')
    expect(await get(GEMINI_KEY_KEY)).toBe('AIza-secret-key')
    expect(JSON.stringify(await get(SETTINGS_KEY) ?? {})).not.toContain('AIza')
    expect((await freshStore()).snapshot().geminiApiKey).toBe('AIza-secret-key')
    await settings.forgetGeminiKey()
    expect(await get(GEMINI_KEY_KEY)).toBeUndefined()
    expect((await freshStore()).geminiApiKey).toBe('')
  })

  it('snapshot is plain data with the effective hub', async () => {
    const settings = await freshStore()
    settings.serverHubUrl = 'http://127.0.0.1:9'
    const snap = settings.snapshot()
    expect(structuredClone(snap)).toEqual(snap)
    expect(snap.effectiveHubUrl).toBe('http://127.0.0.1:9')
    expect(Object.keys(snap).sort()).toEqual([...Object.keys(DEFAULT_SETTINGS), 'effectiveHubUrl', 'geminiApiKey'].sort())
  })

  it('lists the changes that need a model reload only after a model loaded', async () => {
    const settings = await freshStore()
    settings.nCtx = 1024
    expect(settings.pendingReload).toEqual([])
    settings.markApplied(true)
    settings.temperature = 0.1
    expect(settings.pendingReload).toEqual([])
    settings.nCtx = 512
    settings.nThreads = 2
    expect(settings.pendingReload).toEqual(['nThreads', 'nCtx'])
    settings.markApplied(true)
    expect(settings.pendingReload).toEqual([])
  })
})

describe('settings schema', () => {
  it('accepts the defaults', () => {
    expect(validateSettings(DEFAULT_SETTINGS)).toEqual({})
  })

  it('asks for a server URL when the OpenAI-compatible backend is chosen', () => {
    expect(validateSettings({ ...DEFAULT_SETTINGS, backend: 'openai-compat' }).openaiUrl).toMatch(/Enter the server URL/)
  })

  it('drops unknown fields and replaces invalid ones when reading saved data', () => {
    const s = sanitizeSettings({ nCtx: 'big', evil: 1, temperature: 0.2, tools: { calculator: false } })
    expect(s.nCtx).toBe(2048)
    expect(s.temperature).toBe(0.2)
    expect(s.tools.calculator).toBe(false)
    expect(s.tools.notes).toBe(true)
    expect('evil' in s).toBe(false)
  })

  it('resets one group to its defaults, leaves the other groups alone, and Undo puts the values back', async () => {
    const settings = await freshStore()
    settings.temperature = 1.2
    settings.values.maxTokens = -1
    settings.nThreads = 4
    settings.openaiUrl = 'http://localhost:8080/v1'
    await settle(settings)
    const saved = settings.resetGroup('generation')
    await settle(settings)
    expect(settingsOfGroup('generation')).toEqual(expect.arrayContaining(['temperature', 'maxTokens', 'topP', 'systemPrompt']))
    expect(settings.values).toMatchObject({ temperature: 0.7, maxTokens: 256, nThreads: 4, openaiUrl: 'http://localhost:8080/v1' })
    expect(settings.errors.maxTokens).toBeUndefined()
    expect(await get(SETTINGS_KEY)).toMatchObject({ temperature: 0.7, nThreads: 4 })
    settings.restore(saved)
    await settle(settings)
    // The refused value comes back as it was typed (still refused), the valid one is saved again.
    expect(settings.values).toMatchObject({ temperature: 1.2, maxTokens: -1 })
    expect(settings.errors.maxTokens).toBe('Between 1 and 32768.')
    expect(await get(SETTINGS_KEY)).toMatchObject({ temperature: 1.2, maxTokens: 256 })
  })
})
