import { AppError } from '../shared/errors'
import { hostOf } from '../shared/origin'
import { keyDestination } from '../services/gemini/key-destination'
import { useSettingsStore } from '../stores/settings'
import { isBlockedByPolicy } from './security-policy'

/**
 * The address a failed request of `backend` went to (the OpenAI-compatible server's, or the host the Gemini key goes
 * to), from the settings; undefined for a backend on this device.
 */
export function backendAddress(backend: string | undefined, settings: ReturnType<typeof useSettingsStore>): string | undefined {
  if (backend === 'openai-compat')
    return settings.openaiUrl
  return backend === 'gemini' ? `https://${keyDestination(settings.geminiBaseUrl).host}` : undefined
}

/** A request that fails because the page's policy refused its address looks like one that found no server. */
const LOOKS_UNREACHABLE = new Set(['service_unavailable', 'offline', 'bad_response', 'unknown'])

/**
 * A reply's error as the person should read it: when the page's policy refused the address (set after the page
 * loaded), reload_needed with the host, not "the server did not answer" beside "reload the page" (a newcomer saw both
 * causes on one card, and Retry and "try again in a moment" could not help). Other errors as they are.
 */
export function withPolicyCause(err: AppError, address: string | undefined): AppError {
  if (!LOOKS_UNREACHABLE.has(err.code) || !isBlockedByPolicy(address))
    return err
  return new AppError('reload_needed', `This page's security policy was set before ${hostOf(address ?? '')} was added, so the browser blocked it.`)
}
