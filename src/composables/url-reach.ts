import { isBlockedByPolicy } from './security-policy'

/** What the Models screen says after a model was added by URL: nothing when the file answers, else why not. */
export interface UrlReach {
  /** '' when the file answered. */
  text: string
  /** The page's security policy refused the host: it is allowed from the next page load. */
  needsReload: boolean
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  }
  catch {
    return url
  }
}

/**
 * Asks `url` for its headers (HEAD) from the page, as the download will, so a host the page cannot reach is said when
 * the model is added instead of as "check your connection" after Download. A host added now is in the page's policy
 * only from the next load (models/url-models.ts, the service worker's CSP); the browser reports that refusal as a
 * `securitypolicyviolation` event that can come after the fetch fails (composables/security-policy.ts), so it is
 * awaited for up to `waitMs`.
 */
export async function urlReach(url: string, waitMs = 500): Promise<UrlReach> {
  const host = hostOf(url)
  try {
    const res = await fetch(url, { method: 'HEAD', cache: 'no-store' })
    return res.ok || res.status === 405
      ? { text: '', needsReload: false }
      : { text: `${host} answered HTTP ${res.status} for this file: check the address.`, needsReload: false }
  }
  catch {
    for (let waited = 0; waited < waitMs && !isBlockedByPolicy(url); waited += 50)
      await new Promise(resolve => setTimeout(resolve, 50))
    return isBlockedByPolicy(url)
      ? { text: `This page may download from ${host} from its next load. Reload the page, then press Download.`, needsReload: true }
      : { text: `${host} cannot be reached from this page: it is offline, or it does not let other sites download its files (no CORS header).`, needsReload: false }
  }
}
