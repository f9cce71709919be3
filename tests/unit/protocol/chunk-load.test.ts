/**
 * Review leftover: an offline first visit with the engine chunk missing failed with the raw "Failed to fetch
 * dynamically imported module". Every browser's words for a chunk that could not be loaded now become the coded
 * 'chunk_load_failed' (plain words, the file, Reload), also across the worker boundary and from a cloud SDK's import.
 */
import { describe, expect, it } from 'vitest'
import { networkError } from '../../../src/services/cloud/cloud-common'
import { deserializeError, ERROR_HELP, serializeError, toAppError } from '../../../src/shared/errors'

const URL_ = 'http://127.0.0.1:4195/assets/wllama-engine-BGxyNxGC.js'

describe('a part of the app that could not be loaded', () => {
  it.each([
    ['Chromium', new TypeError(`Failed to fetch dynamically imported module: ${URL_}`), 'assets/wllama-engine-BGxyNxGC.js'],
    ['Firefox', new TypeError(`error loading dynamically imported module: ${URL_}`), 'assets/wllama-engine-BGxyNxGC.js'],
    ['WebKit', new TypeError('Importing a module script failed.'), ''],
    ['Vite\'s CSS preload', new Error('Unable to preload CSS for /assets/HelpPanel-CSqohy8v.css'), ''],
  ])('%s: chunk_load_failed naming the file, with a next step', (_, err, file) => {
    const e = toAppError(err, 'load_failed')
    expect(e.code).toBe('chunk_load_failed')
    expect(e.message).not.toContain('dynamically imported')
    if (file)
      expect(e.message).toContain(file)
    expect(ERROR_HELP.chunk_load_failed.action).toContain('Reload')
  })

  it('keeps its code across the worker boundary', () => {
    const crossed = deserializeError(serializeError(new TypeError(`Failed to fetch dynamically imported module: ${URL_}`), 'load_failed'))
    expect(crossed.code).toBe('chunk_load_failed')
  })

  it('is not taken for the cloud service being down when the SDK chunk is missing', () => {
    expect(networkError('Gemini', new TypeError(`Failed to fetch dynamically imported module: ${URL_}`)).code).toBe('chunk_load_failed')
    expect(networkError('Gemini', new TypeError('Failed to fetch')).code).toBe('service_unavailable')
  })
})
