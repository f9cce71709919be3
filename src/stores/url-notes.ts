/**
 * What the Models screen says on the card of a model added by URL (composables/url-reach.ts): nothing when this page
 * can download the file, else why not, with Reload page when the page's policy refused the host. Asked when the URL
 * is added and again each time the Models screen shows a URL model whose file is not stored, so the next truth shows
 * after the reload the first note asked for: a newcomer reloaded as told, and learnt that the host then redirects to
 * an address no policy lists only by adding the URL a second time.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { urlReach, type UrlReach } from '../composables/url-reach'

export const useUrlNotesStore = defineStore('url-notes', () => {
  /** By model id. */
  const notes = ref<ReadonlyMap<string, UrlReach>>(new Map())

  /** Ids asked about and not answered yet. */
  const asking = new Set<string>()

  /** Asks whether the page can download `url` now, and keeps the answer as `id`'s note. */
  async function check(id: string, url: string): Promise<UrlReach> {
    asking.add(id)
    try {
      const reach = await urlReach(url)
      notes.value = new Map(notes.value).set(id, reach)
      return reach
    }
    finally {
      asking.delete(id)
    }
  }

  /** Whether `id` has a note or is being asked about. */
  function isKnown(id: string): boolean {
    return notes.value.has(id) || asking.has(id)
  }

  return { notes, check, isKnown }
})
