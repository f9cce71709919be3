/**
 * Where the Gemini key goes. It travels in a header to the Gemini base URL, so the UI names that host, a host that is
 * not Google's gets the key only once the person has confirmed it, and plain http is allowed only to this computer.
 * A loopback host (localhost, 127.0.0.0/8, ::1) needs no confirmation: the key does not leave the device.
 */
import { AppError } from '../../shared/errors'

/** Google's Gemini API host, used when the base URL is empty. */
export const GOOGLE_GEMINI_HOST = 'generativelanguage.googleapis.com'

export interface KeyDestination {
  /** `host[:port]` the key is sent to. */
  host: string
  /** A Google API host over https. */
  isGoogle: boolean
  /** This computer: localhost, 127.0.0.0/8, ::1. */
  isLoopback: boolean
  /** https, or http to loopback. */
  isAllowedScheme: boolean
}

/** Whether a hostname (as `URL.hostname` gives it) is this computer. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

/** The destination of the key for a base URL; empty means Google's. An unparsable URL is reported as disallowed. */
export function keyDestination(baseUrl?: string): KeyDestination {
  if (!baseUrl?.trim())
    return { host: GOOGLE_GEMINI_HOST, isGoogle: true, isLoopback: false, isAllowedScheme: true }
  let url: URL
  try {
    url = new URL(baseUrl)
  }
  catch {
    return { host: baseUrl, isGoogle: false, isLoopback: false, isAllowedScheme: false }
  }
  const isLoopback = isLoopbackHost(url.hostname)
  const isHttps = url.protocol === 'https:'
  return {
    host: url.host,
    isGoogle: isHttps && (url.hostname === GOOGLE_GEMINI_HOST || url.hostname.endsWith('.googleapis.com')),
    isLoopback,
    isAllowedScheme: isHttps || (url.protocol === 'http:' && isLoopback),
  }
}

/** Whether the person must confirm before the key goes to this destination. */
export function needsKeyConfirmation(d: KeyDestination): boolean {
  return !d.isGoogle && !d.isLoopback
}

/**
 * Throws unless the key may go to `baseUrl`.
 * @param confirmedHost the host the person confirmed in Settings, if any.
 * @throws AppError 'insecure_endpoint' (plain http to another computer) | 'key_host_unconfirmed'
 */
export function assertKeyMayGo(baseUrl: string | undefined, confirmedHost?: string): KeyDestination {
  const d = keyDestination(baseUrl)
  if (!d.isAllowedScheme)
    throw new AppError('insecure_endpoint', `The Gemini key was not sent to ${d.host}: only https, or plain http to this computer (localhost), may carry it.`)
  if (needsKeyConfirmation(d) && confirmedHost !== d.host)
    throw new AppError('key_host_unconfirmed', `The Gemini key was not sent to ${d.host}, which is not Google's Gemini API. Confirm that host in Settings, or empty the Gemini base URL.`)
  return d
}
