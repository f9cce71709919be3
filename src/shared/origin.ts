/**
 * Endpoint addresses the person or the deployment gives (hub, Gemini base URL, OpenAI-compatible server,
 * `app-config.json`'s hub). They reach fetch() and, by their origin, the Content Security Policy, so only a plain,
 * well-formed http(s) address passes: a DNS name, an IPv4 or a bracketed IPv6 host, an optional port and path; no
 * wildcard, no `;`, `,`, quotes or whitespace (each would add a source or a directive to the policy), no user name or
 * password, no query or fragment. Pure: used by the settings schema, the service worker and the preview server.
 */

/** Why an address was refused; `undefined` from `endpointProblem` means it is fine. */
export type EndpointProblem = 'not_text' | 'bad_character' | 'not_url' | 'not_http' | 'credentials' | 'bad_host' | 'query'

/** Longest address accepted, in characters. */
export const MAX_ENDPOINT_LENGTH = 2048

/** Characters never valid in an endpoint as typed: CSP separators, wildcards, quotes, whitespace and controls. */
const BAD_CHARACTER = /[\s\u0000-\u001F\u007F;,*'"`\\<>{}|^]/
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
const IPV6 = /^\[[0-9a-f:.]+\]$/

function isWellFormedHost(hostname: string): boolean {
  if (IPV6.test(hostname))
    return true
  if (hostname.length > 253)
    return false
  // WHATWG URL parsing has already lower-cased the name, turned Unicode into punycode and normalised IPv4.
  return hostname.split('.').every(label => DNS_LABEL.test(label))
}

/** What is wrong with `value` as an endpoint address, or undefined when it is a well-formed http(s) address. */
export function endpointProblem(value: unknown): EndpointProblem | undefined {
  if (typeof value !== 'string' || value.length > MAX_ENDPOINT_LENGTH)
    return 'not_text'
  if (BAD_CHARACTER.test(value))
    return 'bad_character'
  let url: URL
  try {
    url = new URL(value)
  }
  catch {
    return 'not_url'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'not_http'
  if (url.username || url.password)
    return 'credentials'
  if (!isWellFormedHost(url.hostname))
    return 'bad_host'
  if (url.search || url.hash || value.includes('?') || value.includes('#'))
    return 'query'
  return undefined
}

/** The origin (`https://host:port`) of a well-formed endpoint address, else undefined. */
export function endpointOrigin(value: unknown): string | undefined {
  return endpointProblem(value) === undefined ? new URL(value as string).origin : undefined
}

/** True when `value` is exactly an origin as endpointOrigin() makes it (nothing more, nothing less). */
export function isCanonicalOrigin(value: unknown): value is string {
  return typeof value === 'string' && endpointOrigin(value) === value
}

/** The host of a URL for messages ("localhost:11434"), or the text itself when it does not parse. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host
  }
  catch {
    return url
  }
}
