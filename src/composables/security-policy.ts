import { reactive } from 'vue'

/**
 * Origins the page's Content Security Policy refused to connect to, as the browser reports them
 * (`securitypolicyviolation` events). The policy is built when the page loads (workers/service-worker/sw-headers.ts), so an address
 * set afterwards is refused until a reload: an error of a request to such an origin offers Reload page. A fetch the
 * policy blocks fails like one that found no server ("Failed to fetch"); only this event tells them apart, and it may
 * arrive after the rejection, so the set is reactive and the button appears when it does.
 */
const blocked = reactive(new Set<string>())
let isWatching = false

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin
  }
  catch {
    return undefined
  }
}

/** Starts listening (once per page): call it before any request can be made (main.ts). */
export function watchSecurityPolicy(target: Pick<Document, 'addEventListener'> = document): void {
  if (isWatching)
    return
  isWatching = true
  target.addEventListener('securitypolicyviolation', (e) => {
    const origin = e.effectiveDirective === 'connect-src' ? originOf(e.blockedURI) : undefined
    if (origin)
      blocked.add(origin)
  })
}

/** Every origin the page's policy refused since the page loaded. */
export function blockedOrigins(): string[] {
  return [...blocked]
}

/** Whether the page's policy refused a connection to `url`'s origin since the page loaded. */
export function isBlockedByPolicy(url: string | undefined): boolean {
  const origin = url ? originOf(url) : undefined
  return !!origin && blocked.has(origin)
}
