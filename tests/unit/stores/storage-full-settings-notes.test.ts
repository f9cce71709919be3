// @vitest-environment happy-dom
/**
 * Issue 17 item 10, the other members of the kind: settings and notes are IndexedDB writes too. A full disk used to
 * be a console warning for settings (the person's change silently lost at reload) and a raw "QuotaExceededError" for
 * a note. Now settings keep the values, say storage is full, and save them once space is freed; a note says so in
 * plain words the model passes on.
 */
import 'fake-indexeddb/auto'
import { clear, get } from 'idb-keyval'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { saveNote } from '../../../src/agent/tools/notes'
import { SETTINGS_KEY, useSettingsStore } from '../../../src/stores/settings'
import { refuseWrites } from '../conversations/quota-faults'

let restore: (() => void) | undefined
beforeEach(async () => {
  await clear()
  setActivePinia(createPinia())
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(() => {
  restore?.()
  restore = undefined
  vi.restoreAllMocks()
})

describe('settings when storage is full', () => {
  it('are kept in this tab, reported as storage_full, and saved once space is freed', async () => {
    const settings = useSettingsStore()
    await settings.hydrate()
    restore = refuseWrites('commit')
    settings.values.temperature = 0.2
    await nextTick()
    await settings.flushed()
    expect(settings.saveError?.code).toBe('storage_full')
    expect(settings.temperature).toBe(0.2)
    restore()
    restore = undefined
    settings.retrySaving()
    await settings.flushed()
    expect(settings.saveError).toBeNull()
    expect((await get<{ temperature: number }>(SETTINGS_KEY))?.temperature).toBe(0.2)
  })
})

describe('a note when storage is full', () => {
  it('is refused with plain words, not the browser\'s error name', async () => {
    restore = refuseWrites('put')
    await expect(saveNote('buy eggs')).rejects.toMatchObject({ code: 'storage_full', message: expect.stringContaining('storage on this device is full') })
  })
})
