/**
 * Whether the configured hub has each catalog file (part of the models store, apart so that store stays small): asked
 * once per file not stored yet (cached answers first, services/library/hub-availability.ts), asked again when the hub
 * changes, so the library shows "not on this hub" instead of a Download that fails.
 */
import { ref, watch, type Ref } from 'vue'
import type { CatalogEntry } from '../models/catalog'
import { checkHubAvailability, type HubAvailability } from '../services/library/hub-availability'
import type { useLibraryStore } from './library'
import type { useSettingsStore } from './settings'

/** The availability map (by model id), the check, and the lookup; `catalog` is the models store's. */
export function useHubAvailability(catalog: Ref<CatalogEntry[]>, settings: ReturnType<typeof useSettingsStore>, library: ReturnType<typeof useLibraryStore>) {
  const availability = ref<Map<string, HubAvailability>>(new Map())

  /** Asks the hub about every catalog file not stored yet; the server's own files are its hub's by construction. */
  async function checkAvailability(): Promise<void> {
    const hubUrl = settings.hubUrl
    const asked = catalog.value.filter(m => m.source !== 'server' && m.revision !== 'url' && !library.byId.has(m.id))
    await Promise.all(asked.map(async (m) => {
      const state = await checkHubAvailability(m, hubUrl, { store: localStorage })
      if (settings.hubUrl === hubUrl)
        availability.value = new Map(availability.value).set(m.id, state)
    }))
  }

  /** `available` for the server's files and stored models; else what the hub said (undefined while asking). */
  function availabilityOf(id: string): HubAvailability | undefined {
    const entry = catalog.value.find(m => m.id === id)
    if (entry?.source === 'server' || library.byId.has(id))
      return 'available'
    return availability.value.get(id)
  }

  // Another hub: ask again.
  watch(() => settings.hubUrl, () => {
    availability.value = new Map()
    void checkAvailability()
  })

  return { availability, checkAvailability, availabilityOf }
}
