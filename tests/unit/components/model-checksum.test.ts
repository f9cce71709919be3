// @vitest-environment jsdom
/** Issue 17 item 9: the model card shows whether a stored model's SHA-256 was published or only computed on arrival. */
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import ModelFacts from '../../../src/components/models/ModelFacts.vue'
import type { CatalogEntry } from '../../../src/models/catalog'
import type { StoredModel } from '../../../src/models/manifest'

const mounted: Array<() => void> = []
afterEach(() => {
  for (const unmount of mounted.splice(0))
    unmount()
})

function mount(entry?: StoredModel): HTMLElement {
  const el = document.createElement('div')
  document.body.append(el)
  const model = { id: 'o/r/m.gguf', repo: 'o/r', file: 'm.gguf', name: 'M' } as unknown as CatalogEntry
  const app = createApp(ModelFacts, { model, entry })
  app.mount(el)
  mounted.push(() => { app.unmount(); el.remove() })
  return el
}

const stored = (source?: 'published' | 'computed', state: StoredModel['state'] = 'ready'): StoredModel => ({
  ref: { id: 'o/r/m.gguf', repo: 'o/r', file: 'm.gguf' }, fileName: 'f', sizeBytes: 1, sha256: 'a'.repeat(64), state,
  hasChatTemplate: false, storedAt: 0, files: [{ path: 'm.gguf', fileName: 'f', sizeBytes: 1, sha256: 'a'.repeat(64), ...(source && { sha256Source: source }) }],
})

describe('ModelFacts checksum line', () => {
  it('says no checksum was published when the hash was computed on arrival', () => {
    const line = mount(stored('computed')).querySelector('[data-testid=model-checksum]')
    expect(line?.getAttribute('data-source')).toBe('computed')
    expect(line?.textContent).toMatch(/No checksum published: SHA-256 computed on arrival and pinned/)
  })

  it('says the hub published the SHA-256 when it did', () => {
    const line = mount(stored('published')).querySelector('[data-testid=model-checksum]')
    expect(line?.getAttribute('data-source')).toBe('published')
    expect(line?.textContent).toMatch(/published by the hub/)
  })

  it('says nothing for a model not yet stored, a partial download, or an entry that did not record it', () => {
    expect(mount().querySelector('[data-testid=model-checksum]')).toBeNull()
    expect(mount(stored('computed', 'partial')).querySelector('[data-testid=model-checksum]')).toBeNull()
    expect(mount(stored()).querySelector('[data-testid=model-checksum]')).toBeNull()
  })
})
