// @vitest-environment happy-dom
/**
 * Texts that follow the backend that answers the next message (newcomer report #13): with Gemini chosen the header
 * said "Works offline", Settings "On this device, nothing you type leaves it", and the disabled composer "Ask
 * anything...".
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { useAnswererWords } from '../../../src/composables/answerer-words'
import type { StoredModel } from '../../../src/models/manifest'
import { useLibraryStore } from '../../../src/stores/library'
import { useSettingsStore } from '../../../src/stores/settings'

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('useAnswererWords', () => {
  it('on this device: works offline (once a model is downloaded), nothing leaves it, ask anything', async () => {
    const words = useAnswererWords()
    expect(words.offlineReady.value).toBe('Works offline once a model is downloaded')
    useLibraryStore().entries = [{ ref: { id: 'm', file: 'm.gguf' }, state: 'ready' } as unknown as StoredModel]
    await nextTick()
    expect(words.offlineReady.value).toBe('Works offline')
    expect(words.privacy.value).toBe('On this device, nothing you type leaves it.')
    expect(words.placeholder.value).toBe('Ask anything…')
  })

  it('Gemini without a key: answers need the network, what you type goes to Gemini, and why Send is off', async () => {
    const words = useAnswererWords()
    useSettingsStore().backend = 'gemini'
    await nextTick()
    expect(words.offlineReady.value).toBe('Answers need the network (Gemini)')
    expect(words.privacy.value).toBe('What you type is sent to Gemini to be answered.')
    expect(words.placeholder.value).toBe('Cannot send yet: No API key is set for this service.')
    useSettingsStore().geminiApiKey = 'k'
    await nextTick()
    expect(words.placeholder.value).toBe('Ask Gemini anything… (it leaves this device)')
  })

  it('an OpenAI-compatible server is named as your server', async () => {
    const words = useAnswererWords()
    useSettingsStore().backend = 'openai-compat'
    await nextTick()
    expect(words.offlineReady.value).toBe('Answers need the network (your server)')
    expect(words.privacy.value).toContain('your server')
  })
})
