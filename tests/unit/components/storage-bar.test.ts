// @vitest-environment jsdom
/**
 * The storage bar names what the usage is: after "Delete all models" it said "14 MiB used" with no model left (a
 * newcomer's report); the rest is the app's offline files and the conversations.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import StorageBar from '../../../src/components/models/StorageBar.vue'
import type { StoredModel } from '../../../src/models/manifest'
import { useLibraryStore } from '../../../src/stores/library'
import { freshPinia, mountWithPinia } from './mount'

async function text(entries: StoredModel[], partial: Array<[string, number]> = []): Promise<string> {
  const pinia = freshPinia()
  const library = useLibraryStore()
  library.estimate = { usageBytes: 114 * 2 ** 20, quotaBytes: 10 * 2 ** 30 }
  library.entries = entries
  library.partialBytes = new Map(partial)
  const el = await mountWithPinia(StorageBar, pinia)
  return el.querySelector('[data-testid=storage-text]')?.textContent?.replace(/\s+/g, ' ').trim() ?? ''
}

const entry = (id: string, state: StoredModel['state'], sizeBytes: number) => ({ ref: { id, file: `${id}.gguf` }, state, sizeBytes } as unknown as StoredModel)

describe('StorageBar', () => {
  it('with no model, says the usage is the app\'s offline files and the conversations', async () => {
    expect(await text([])).toMatch(/used of 10 GiB \(1%\): no models; the app's offline files and your conversations$/)
  })

  it('splits the usage into the models (stored and partial) and the rest', async () => {
    expect(await text([entry('a', 'ready', 94 * 2 ** 20), entry('b', 'partial', 500 * 2 ** 20)], [['b', 6 * 2 ** 20]]))
      .toMatch(/: models 100(\.0)? MiB, the app's offline files and your conversations 14(\.0)? MiB$/)
  })
})
