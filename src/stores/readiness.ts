import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { GOOGLE_GEMINI_HOST, keyDestination } from '../services/gemini/key-destination'
import { hostOf } from '../shared/origin'
import { isBlockedByPolicy } from '../composables/security-policy'
import { AppError } from '../shared/errors'
import { useEngineStore } from './engine'
import { useSettingsStore } from './settings'

/** How long the reachability check of an OpenAI-compatible server waits for any answer, in ms. */
export const SERVER_PROBE_TIMEOUT_MS = 5_000

/** What the chosen backend's readiness check found. */
export interface Readiness {
  /** What is wrong, with the host in its message; its code gives the buttons (shared/next-steps.ts). */
  error: AppError
  /** The backend the problem concerns. */
  backend: 'gemini' | 'openai-compat' | 'local-gpu'
  /** The address involved (for the security-policy check), when there is one. */
  url?: string
  /** Sending cannot work at all (no key, no address): Send is disabled until it is fixed. */
  isBlocking: boolean
}

/**
 * Whether the backend chosen in Settings can answer the next message, checked before anything is sent: Gemini
 * without a key, an OpenAI-compatible server without an address or that does not answer (any HTTP answer counts as
 * an answer; only no connection does not), an address the page's security policy refused, and Local GPU on a browser
 * without WebGPU (the model then runs on the CPU, which is said rather than done silently).
 */
export const useReadinessStore = defineStore('readiness', () => {
  const settings = useSettingsStore()
  const engine = useEngineStore()
  /** The last probe of the server address: 'unreachable' when no connection could be made. */
  const probe = ref<{ url: string, state: 'checking' | 'ok' | 'unreachable' } | null>(null)
  let probing: AbortController | null = null

  /**
   * Checks that the OpenAI-compatible server answers this page at all: a GET of its model list with no credentials or
   * custom headers (a simple CORS request, no preflight). Any HTTP answer counts, a 404 or 401 too; a refused
   * connection, or a server that does not allow this page (no CORS headers: chat requests would fail the same way),
   * does not. Not `no-cors`: the page is cross-origin isolated (COEP require-corp), which refuses opaque answers
   * without a Cross-Origin-Resource-Policy header, so every server would look down. @returns when the check is over
   */
  async function checkServer(): Promise<void> {
    const url = settings.openaiUrl.trim()
    probing?.abort()
    if (settings.backend !== 'openai-compat' || !url) {
      probe.value = null
      return
    }
    const controller = new AbortController()
    probing = controller
    probe.value = { url, state: 'checking' }
    const timer = setTimeout(() => controller.abort(), SERVER_PROBE_TIMEOUT_MS)
    let state: 'ok' | 'unreachable'
    try {
      await fetch(`${url.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/models`, { signal: controller.signal, cache: 'no-store' })
      state = 'ok'
    }
    catch {
      state = 'unreachable'
    }
    finally {
      clearTimeout(timer)
    }
    if (probing === controller)
      probe.value = { url, state }
  }

  watch(() => [settings.backend, settings.openaiUrl] as const, () => void checkServer(), { immediate: true })

  const readiness = computed<Readiness | null>(() => {
    const backend = settings.backend
    if (backend === 'gemini' && !settings.geminiApiKey) {
      const host = keyDestination(settings.geminiBaseUrl).host || GOOGLE_GEMINI_HOST
      return {
        backend, isBlocking: true,
        error: new AppError('missing_api_key', `Gemini (${host}) needs your API key before it can answer.`),
      }
    }
    if (backend === 'openai-compat') {
      const url = settings.openaiUrl.trim()
      if (!url) {
        return {
          backend, isBlocking: true,
          // Nothing was tried, so not "could not answer right now... try again" (a newcomer's report): the address is missing.
          error: new AppError('server_not_set', 'Who answers is set to your own server (OpenAI-compatible), and no address is saved.'),
        }
      }
      if (isBlockedByPolicy(url)) {
        return {
          backend, url, isBlocking: false,
          // One cause, one step: not "could not answer... try again in a moment" (a newcomer's report).
          error: new AppError('reload_needed', `This page's security policy was set before ${hostOf(url)} was added.`),
        }
      }
      if (probe.value?.url === url && probe.value.state === 'unreachable') {
        return {
          backend, url, isBlocking: false,
          error: new AppError('service_unavailable', `The server at ${hostOf(url)} does not answer this page. Check that it is running, that its address in Settings is right, and that it allows requests from other sites (CORS; for Ollama, OLLAMA_ORIGINS).`),
        }
      }
    }
    const gpu = engine.env?.gpu
    if (backend === 'local-gpu' && gpu && !gpu.hasAdapter) {
      return {
        backend, isBlocking: false,
        error: new AppError('unsupported_device', `Local GPU needs WebGPU, which this browser does not offer (${gpu.reason ?? 'no adapter'}). Replies run on the CPU (llama.cpp) instead.`),
      }
    }
    return null
  })

  return { readiness, probe, checkServer }
})
