/**
 * The checks of the e2e untrusted-output suite, the same whichever way the hostile corpus (tests/fixtures/
 * hostile-markup.ts) reached the page: nothing fetched, no script ran, no native dialog, and nothing drawn outside the
 * bubble or card that shows it, as a dialog, a popover, a form or an app-looking notice.
 */
import { expect, type Locator, type Page } from '@playwright/test'

/** What the page did that it must not: native dialogs opened and requests to the corpus's beacon/exfil addresses. */
export interface UntrustedWatch {
  dialogs: string[]
  fetched: string[]
}

/** Starts watching `page` for native dialogs (dismissed) and for requests to `/beacon-…` or `exfil.png`. */
export function watchUntrusted(page: Page): UntrustedWatch {
  const watch: UntrustedWatch = { dialogs: [], fetched: [] }
  page.on('dialog', (d) => { watch.dialogs.push(d.message()); void d.dismiss() })
  page.on('request', (r) => { if (/\/beacon-|exfil\.png/.test(r.url())) watch.fetched.push(r.url()) })
  return watch
}

/** Lets anything lazy start (images, backgrounds, preloads, handlers on hover), then: nothing ran, nothing fetched. */
export async function expectNothingRan(page: Page, watch: UntrustedWatch, where: Locator): Promise<void> {
  await page.waitForLoadState('networkidle')
  await where.hover()
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined()
  expect(watch.dialogs).toEqual([])
  expect(watch.fetched).toEqual([])
}

/** Elements only the corpus's markup could create: none belongs in a card that shows hub or GGUF text. */
const CORPUS_ELEMENTS = 'script, iframe, object, embed, img, svg, math, form, textarea, dialog, [popover], [role=alert], '
  + 'table, h1, details, fieldset, marquee, template, slot, portal, meta, video, audio, a[download], [style], [onerror], [onload]'

/**
 * Where `container`'s descendants (only those matching `content`, when given) draw: in the top layer, positioned out
 * of flow, outside `container`'s box (each clipped by its clipping ancestors first), or wider than the page (`wider`). With `content`, the markdown
 * a bubble renders, `spoofing` lists active elements (script, img, svg, …) and elements carrying a role, class, id,
 * name, popover, download, style or test id;
 * without it (plain text in an app card), `spoofing` lists elements only the corpus could have created. `live` lists
 * event-handler and `javascript:` attributes.
 */
export async function layoutReport(container: Locator, content?: string): Promise<Record<string, unknown>> {
  return container.evaluate((box0, [content, corpusElements]) => {
    const box = box0.getBoundingClientRect()
    function visible(el: Element): DOMRect | null {
      let r = el.getBoundingClientRect()
      for (let a = el.parentElement; a && a !== box0; a = a.parentElement) {
        if (getComputedStyle(a).overflow === 'visible')
          continue
        const c = a.getBoundingClientRect()
        const left = Math.max(r.left, c.left); const top = Math.max(r.top, c.top)
        const right = Math.min(r.right, c.right); const bottom = Math.min(r.bottom, c.bottom)
        if (right <= left || bottom <= top)
          return null
        r = new DOMRect(left, top, right - left, bottom - top)
      }
      return r
    }
    // A code block's frame (language label, Copy button) is the app's own: only the code inside it is the model's.
    const all = [...box0.querySelectorAll(content ?? '*')]
    const mine = content ? all.filter(el => !el.closest('[data-testid=code-block]') || el.closest('code')) : all
    return {
      // The app's own drawers are dialogs too, so only the container is searched for dialogs and forms.
      topLayer: document.querySelectorAll(':modal, :popover-open').length
        + box0.querySelectorAll(content ? 'dialog, [popover], form, input, textarea, select' : 'dialog, [popover], form').length,
      positioned: mine.filter(el => !['static', 'relative'].includes(getComputedStyle(el).position)).map(el => el.localName),
      outside: mine.flatMap((el) => {
        const r = visible(el)
        return r && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
          ? [`${el.outerHTML.slice(0, 60)} at ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}`]
          : []
      }),
      // Long words (a 2,000-character line, a 400-letter heading) must wrap, not widen the page.
      wider: [box0, ...mine].filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
        .map(el => `${el.localName}.${el.className} ${Math.round(el.getBoundingClientRect().width)}px`.slice(0, 80)),
      live: mine.flatMap(n => [...n.attributes].filter(a => a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)).map(a => `${n.localName} ${a.name}`)),
      spoofing: (content
        ? mine.filter(el => el.matches('script, iframe, object, embed, svg, math, img, [role], [class]:not(code, code span[class^="hljs-"]), [id], [name], [popover], [download], [style], [data-testid]'))
        : mine.filter(el => el.matches(corpusElements))).map(el => el.outerHTML.slice(0, 80)),
    }
  }, [content, CORPUS_ELEMENTS] as const)
}

/** The report of a container where nothing escapes. */
export const CONTAINED = { topLayer: 0, positioned: [], outside: [], wider: [], live: [], spoofing: [] }
