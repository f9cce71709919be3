/**
 * Issue 16 item 6: a backend that cannot answer says so before anything is sent, with the fix. Gemini without a key
 * and a server without an address block Send; a server that does not answer (a real closed port here, and a real
 * server that answers 404 as the ready case), an address the page's security policy refused, and Local GPU without
 * WebGPU are said above the composer. Switching the backend reloads nothing, so it asks for no reload.
 */
import 'fake-indexeddb/auto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPinia, setActivePinia } from 'pinia'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { watchSecurityPolicy } from '../../../src/composables/security-policy'
import type { GpuProbe } from '../../../src/shared/webgpu-probe'
import { nextSteps } from '../../../src/shared/next-steps'
import { useEngineStore } from '../../../src/stores/engine'
import { useReadinessStore } from '../../../src/stores/readiness'
import { useSettingsStore } from '../../../src/stores/settings'

let server: Server
let serverUrl = ''
const policy = new EventTarget()

beforeAll(async () => {
  // Answers 404 to everything, as a server without a model list would: it is there, and that is all the check asks.
  server = createServer((_req, res) => res.writeHead(404, { 'access-control-allow-origin': '*' }).end())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  watchSecurityPolicy(policy as unknown as Document)
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

beforeEach(() => {
  setActivePinia(createPinia())
})

async function stores() {
  const settings = useSettingsStore()
  await settings.hydrate()
  return { settings, readiness: useReadinessStore() }
}

describe('backend readiness', () => {
  it('Gemini without a key blocks Send and says so, naming Google\'s host, with Add key; with a key it is ready', async () => {
    const { settings, readiness } = await stores()
    expect(readiness.readiness).toBeNull()
    settings.backend = 'gemini'
    await nextTick()
    expect(readiness.readiness).toMatchObject({ backend: 'gemini', isBlocking: true, error: { code: 'missing_api_key' } })
    expect(readiness.readiness?.error.message).toContain('generativelanguage.googleapis.com')
    expect(nextSteps('missing_api_key', { backend: 'gemini' })).toEqual([{ kind: 'settings', field: 'geminiApiKey', label: 'Add key' }])
    await settings.saveGeminiKey('AIza-test')
    expect(readiness.readiness).toBeNull()
  })

  it('a server without an address blocks Send; one that does not answer is said with its host; one that answers is ready', async () => {
    const { settings, readiness } = await stores()
    settings.backend = 'openai-compat'
    await nextTick()
    expect(readiness.readiness).toMatchObject({ isBlocking: true, error: { code: 'server_not_set' } })
    expect(readiness.readiness?.error.message).toContain('no address')
    // Nothing was tried: the step is the address, not "try again" (a newcomer's report).
    expect(nextSteps('server_not_set', { backend: 'openai-compat', canRetry: true }).map(s => s.label)).toEqual(['Add address'])

    settings.values.openaiUrl = 'http://127.0.0.1:9/v1' // the discard port: nothing listens
    await readiness.checkServer()
    expect(readiness.readiness).toMatchObject({ backend: 'openai-compat', isBlocking: false, error: { code: 'service_unavailable' } })
    expect(readiness.readiness?.error.message).toMatch(/^The server at 127\.0\.0\.1:9 does not answer this page\. Check that it is running/)
    expect(nextSteps('service_unavailable', { backend: 'openai-compat', canRetry: true }).map(s => s.label)).toEqual(['Check server address', 'Retry'])

    settings.values.openaiUrl = serverUrl
    await readiness.checkServer()
    expect(readiness.readiness).toBeNull()
  })

  it('an address the security policy refused asks for a reload, since the policy admits new addresses at page load', async () => {
    const { settings, readiness } = await stores()
    settings.backend = 'openai-compat'
    settings.values.openaiUrl = 'http://127.0.0.1:7/v1'
    await readiness.checkServer()
    const violation = Object.assign(new Event('securitypolicyviolation'), { effectiveDirective: 'connect-src', blockedURI: 'http://127.0.0.1:7/v1/models' })
    policy.dispatchEvent(violation)
    expect(readiness.readiness?.error).toMatchObject({ code: 'reload_needed', message: expect.stringContaining('security policy') })
    expect(nextSteps('reload_needed', { backend: 'openai-compat', isBlockedByPolicy: true }).map(s => s.label)).toEqual(['Reload page'])
    expect(nextSteps('reload_needed', { backend: 'openai-compat', canRetry: true }).map(s => s.label)).toEqual(['Reload page'])
  })

  it('Local GPU on a browser without WebGPU says the model runs on the CPU', async () => {
    const { settings, readiness } = await stores()
    const gpu: GpuProbe = { hasAdapter: false, features: [], reason: 'This browser does not offer WebGPU (navigator.gpu is missing).' }
    useEngineStore().env = { isCrossOriginIsolated: true, hardwareConcurrency: 4, gpu }
    settings.backend = 'local-gpu'
    await nextTick()
    expect(readiness.readiness).toMatchObject({ backend: 'local-gpu', isBlocking: false, error: { code: 'unsupported_device' } })
    expect(readiness.readiness?.error.message).toContain('Replies run on the CPU')
    expect(nextSteps('unsupported_device', { backend: 'local-gpu' })).toEqual([{ kind: 'settings', field: 'backend', label: 'Choose backend' }])
  })

  it('switching the backend asks for no model reload: nothing reloads', async () => {
    const { settings } = await stores()
    settings.markApplied(true)
    settings.backend = 'gemini'
    expect(settings.pendingReload).toEqual([])
    settings.backend = 'local-cpu'
    expect(settings.pendingReload).toEqual([])
  })
})
