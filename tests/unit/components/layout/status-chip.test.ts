// @vitest-environment happy-dom
/**
 * The header's status chip reads as words with spaces between them in every state (issue 16: "downloading49%"): what
 * a screen reader says and what a copy gives are its text, so each state, its percent and who answers stay apart.
 */
import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import StatusChip from '../../../../src/components/layout/StatusChip.vue'
import type { LoadedModel } from '../../../../src/contract/messages'
import { AppError } from '../../../../src/shared/errors'
import { useChatStore } from '../../../../src/stores/chat'
import { useLibraryStore } from '../../../../src/stores/library'
import { useModelsStore } from '../../../../src/stores/models'
import { useSettingsStore } from '../../../../src/stores/settings'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

async function mountChip() {
  setActivePinia(createPinia())
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)', component: { render: () => null } }] })
  host = document.createElement('div')
  document.body.append(host)
  createApp(StatusChip).use(router).mount(host)
  await nextTick()
  return host
}

/** The chip's text as assistive technology reads it: its text nodes in order, whitespace collapsed. */
const text = (el: HTMLElement) => el.querySelector('[data-testid=status-chip]')!.textContent!.replace(/\s+/g, ' ').trim()

describe('StatusChip', () => {
  it('puts a space between the state and its percent, and before who answers', async () => {
    const el = await mountChip()
    const models = useModelsStore()
    const library = useLibraryStore()
    models.phase = 'downloading'
    library.progress = { phase: 'download', loadedBytes: 49, totalBytes: 100, bytesPerSecond: 1 }
    await nextTick()
    expect(text(el)).toBe('downloading 49%')
    models.phase = 'loading'
    library.progress = { phase: 'download', loadedBytes: 3, totalBytes: 4, bytesPerSecond: 0 }
    await nextTick()
    expect(text(el)).toBe('loading 75%')
    library.progress = null
    models.phase = 'error'
    models.error = new AppError('download_failed', 'HTTP 503 from the hub.')
    await nextTick()
    expect(text(el)).toBe('error: HTTP 503 from the hub.')
    models.phase = 'idle'
    useSettingsStore().backend = 'gemini'
    useChatStore().isGenerating = true
    await nextTick()
    expect(text(el)).toBe('generating Next answer from Gemini gemini-2.5-flash')
  })

  // Newcomer report #8: a red "error" with no reason after a too-long message, a failed download, in a second tab.
  it('shows error only for a model failure the next answer meets, with its reason in the title', async () => {
    const el = await mountChip()
    const models = useModelsStore()
    const chat = useChatStore()
    const state = () => el.querySelector('[data-testid=status-state]')!.textContent
    const title = () => el.querySelector('[data-testid=status-chip]')!.getAttribute('title')
    chat.error = new AppError('context_exceeded', 'This message needs about 9000 tokens.')
    await nextTick()
    expect(state()).toBe('no model')
    models.phase = 'error'
    models.error = new AppError('busy_elsewhere')
    await nextTick()
    expect(state()).toBe('error')
    expect(title()).toContain('(The model is open in another tab.)')
    // A failed download of another file while a model is loaded: the next answer is fine.
    models.loaded = { model: { id: 'm', file: 'm.gguf' } } as unknown as LoadedModel
    await nextTick()
    expect(state()).toBe('ready')
    expect(title()).not.toContain('(')
    // A local failure while Gemini answers does not touch the next answer either.
    models.loaded = null
    useSettingsStore().backend = 'gemini'
    await nextTick()
    expect(state()).not.toBe('error')
  })
})
