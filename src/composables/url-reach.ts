import { AppError } from '../shared/errors'
import { blockedOrigins } from './security-policy'
import { hostOf } from '../shared/origin'

/** What the Models screen says after a model was added by URL: nothing when the file answers, else why not. */
export interface UrlReach {
  /** '' when the file answered. */
  text: string
  /** The page's security policy refused the host: it is allowed from the next page load. */
  needsReload: boolean
  /** What was met: the file, a refusal of the host, a redirect to a refused address, an error status, nothing. */
  kind?: 'ok' | 'refused' | 'redirect_refused' | 'status' | 'unreachable'
}

/**
 * Whether this page can download `url` (a model added by URL, remembered by models/url-models.ts so the service
 * worker's policy admits its host from the next page load), said when the model is added or after its download
 * failed, instead of "check your connection". Three answers besides "fine": the page's policy refused the host (added
 * after this page loaded: Reload page); the host redirects to another address, which no policy made in advance can
 * name (the browser reports a refused redirect under the first URL, so the target cannot be learnt: download the file
 * in the browser and import it); or the host is not reached at all (offline, no CORS). The refusal comes as a
 * `securitypolicyviolation` event that can follow the failed fetch (composables/security-policy.ts), so it is
 * awaited for up to `waitMs`.
 */
export async function urlReach(url: string, waitMs = 500): Promise<UrlReach> {
  const host = hostOf(url)
  const own = new URL(url).origin
  const ask = (redirect: RequestRedirect) => fetch(url, { headers: { Range: 'bytes=0-0' }, cache: 'no-store', redirect })
  let first: Response
  try {
    first = await ask('manual')
  }
  catch {
    const isRefused = () => blockedOrigins().includes(own)
    for (let waited = 0; waited < waitMs && !isRefused(); waited += 50)
      await new Promise(resolve => setTimeout(resolve, 50))
    return isRefused()
      ? { text: `This page may download from ${host} from its next load. Reload the page, then press Download.`, needsReload: true, kind: 'refused' }
      : { text: `${host} cannot be reached from this page: it is offline, or it does not let other sites download its files (no CORS header).`, needsReload: false, kind: 'unreachable' }
  }
  if (first.type !== 'opaqueredirect')
    return first.ok ? { text: '', needsReload: false, kind: 'ok' } : { text: `${host} answered HTTP ${first.status} for this file: check the address.`, needsReload: false, kind: 'status' }
  try {
    const res = await ask('follow')
    await res.body?.cancel()
    if (res.ok)
      return { text: '', needsReload: false, kind: 'ok' }
  }
  catch { /* the redirect's target is refused or unreachable */ }
  return { text: `${host} sends this file from another address, which this page is not allowed to reach. Download the file in your browser, then drop it on "Drop a .gguf here" on this screen.`, needsReload: false, kind: 'redirect_refused' }
}

/**
 * After a download failed with download_failed: the error to show instead, when the page's fetch can say more, else
 * undefined (keep the download's own). A model by URL takes any answer of {@link urlReach}. A hub file takes only a
 * refusal by the page's policy: of the hub (Reload page), or of the address its `/resolve/` redirects to (a hub set
 * in Settings whose CDN no policy lists: issue 21 item 3 "the app ... says what to allow"); a connection lost halfway
 * keeps its own words.
 * @param url the file's address: the URL model's, or the hub's `/resolve/` URL
 */
export async function downloadReachError(url: string, isUrlModel: boolean): Promise<AppError | undefined> {
  const reach = await urlReach(url)
  if (!reach.text || (!isUrlModel && reach.kind !== 'refused' && reach.kind !== 'redirect_refused'))
    return undefined
  // redirect_blocked's title and next step say the rest; the message names the address that redirects.
  if (reach.kind === 'redirect_refused')
    return new AppError('redirect_blocked', `It redirects from ${url}.`)
  return new AppError(reach.needsReload ? 'reload_needed' : 'download_failed', reach.text)
}
