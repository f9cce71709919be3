// @vitest-environment happy-dom
/**
 * A reply that failed because the page's policy refused its address reads as reload_needed naming the host, not as
 * "the server did not answer" beside "reload the page" (a newcomer saw both causes on one card).
 */
import { describe, expect, it } from 'vitest'
import { withPolicyCause } from '../../../src/composables/backend-address'
import { watchSecurityPolicy } from '../../../src/composables/security-policy'
import { AppError } from '../../../src/shared/errors'

const policy = new EventTarget()
watchSecurityPolicy(policy as unknown as Document)
const refuse = (blockedURI: string) => policy.dispatchEvent(Object.assign(new Event('securitypolicyviolation'), { effectiveDirective: 'connect-src', blockedURI }))

describe('withPolicyCause', () => {
  const unreachable = new AppError('service_unavailable', 'The server at localhost:8080 did not answer: no connection could be made to it.')

  it('an address the policy refused: reload_needed with the host, one cause', () => {
    refuse('http://localhost:8080/v1/chat/completions')
    const err = withPolicyCause(unreachable, 'http://localhost:8080/v1')
    expect(err.code).toBe('reload_needed')
    expect(err.message).toBe('This page\'s security policy was set before localhost:8080 was added, so the browser blocked it.')
  })

  it('an address the policy did not refuse, or an error that is not about reaching it, stays as it is', () => {
    expect(withPolicyCause(unreachable, 'http://localhost:9999/v1')).toBe(unreachable)
    const key = new AppError('missing_api_key')
    expect(withPolicyCause(key, 'http://localhost:8080/v1')).toBe(key)
    expect(withPolicyCause(unreachable, undefined)).toBe(unreachable)
  })
})
