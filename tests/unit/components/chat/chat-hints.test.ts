// @vitest-environment happy-dom
/**
 * The hint above the chat says what the next message will really do (newcomer report #10): it said "your message
 * loads your last model first" during the first download and after the model was deleted, when the next message
 * downloads it again. Now: download N MiB, load the stored model, or nothing while one is being set up.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import ChatHints from '../../../../src/components/chat/ChatHints.vue'
import { RECOMMENDED_MODEL } from '../../../../src/models/catalog'
import type { StoredModel } from '../../../../src/models/manifest'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0))
    c()
})

async function mountHints() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp(ChatHints).use(pinia)
  app.mount(el)
  cleanups.push(() => { app.unmount(); el.remove() })
  await nextTick()
  return { el, hint: () => el.querySelector('[data-testid=first-message-hint]')?.textContent?.replace(/\s+/g, ' ').trim() }
}

const stored = { ref: RECOMMENDED_MODEL, fileName: 'x', sizeBytes: 94 * 2 ** 20, sha256: '', state: 'ready' } as unknown as StoredModel

describe('ChatHints', () => {
  it('says the message downloads the model when none is stored, nothing while it downloads, and load once stored', async () => {
    const { hint } = await mountHints()
    const models = useModelsStore()
    expect(hint()).toMatch(new RegExp(`downloads ${RECOMMENDED_MODEL.label} \\(\\d+ MiB\\) first`))
    models.phase = 'downloading'
    await nextTick()
    expect(hint()).toBeUndefined()
    models.phase = 'ready'
    useLibraryStore().entries = [stored]
    await nextTick()
    expect(hint()).toContain(`loads ${RECOMMENDED_MODEL.label} first`)
    // The model deleted, another one (not chosen) still stored: the next message downloads it again, and says so.
    const other = { ...stored, ref: { ...RECOMMENDED_MODEL, id: 'local/models/stories260K.gguf', file: 'stories260K.gguf' } }
    useLibraryStore().entries = [other as StoredModel]
    await nextTick()
    expect(hint()).toContain('downloads')
  })
})
