// @vitest-environment happy-dom
/**
 * The hint above the chat says what the next message will really do (newcomer report #10): it said "your message
 * loads your last model first" during the first download and after the model was deleted, when the next message
 * downloads it again. Now: download N MiB, load the stored model, or nothing while one is being set up.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import ChatHints from '../../../../src/components/chat/ChatHints.vue'
import { RECOMMENDED_MODEL } from '../../../../src/models/catalog'
import type { StoredModel } from '../../../../src/models/manifest'
import { useEngineStore } from '../../../../src/stores/engine'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'
import { freshPinia, mountWithPinia } from '../mount'

async function mountHints() {
  const el = await mountWithPinia(ChatHints, freshPinia())
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
  it('in a tab whose model moved to another tab, says so with Use it here, not that the message loads it', async () => {
    const { el, hint } = await mountHints()
    useLibraryStore().entries = [stored]
    useEngineStore().wasTakenOver = true
    await nextTick()
    expect(hint()).toBeUndefined()
    expect(el.querySelector('[data-testid=moved-hint]')?.textContent).toContain(`${RECOMMENDED_MODEL.label} is open in another tab of this app.`)
    expect(el.querySelector('[data-testid=take-back]')?.textContent?.trim()).toBe('Use it here')
  })
})
