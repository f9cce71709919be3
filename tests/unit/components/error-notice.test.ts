// @vitest-environment happy-dom
/** Every error code renders its plain message, what to do next, and a link that opens help at its section. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import ErrorNotice from '../../../src/components/common/ErrorNotice.vue'
import { useErrorLog } from '../../../src/composables/error-log'
import { usePanels } from '../../../src/composables/panels'
import { messageTooLong } from '../../../src/orchestrator/context-fit'
import { AppError, ERROR_CODES, ERROR_HELP } from '../../../src/shared/errors'
import { nextSteps } from '../../../src/shared/next-steps'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

function mount(error: AppError, props: { isRecorded?: boolean } = {}) {
  host = document.createElement('div')
  document.body.append(host)
  const app = createApp({ render: () => h(ErrorNotice, { error, ...props }) })
  app.mount(host)
  return { el: host, app }
}

describe('ErrorNotice', () => {
  it.each(ERROR_CODES)('%s: message, next step and a link to its troubleshooting section', async (code) => {
    const { state } = usePanels()
    state.isHelpOpen = false
    const { el, app } = mount(new AppError(code))
    expect(el.querySelector('strong')?.textContent).toBe(ERROR_HELP[code].title)
    expect(el.querySelector('[data-testid=error-action]')?.textContent).toContain(`What to do: ${ERROR_HELP[code].action}`)
    const link = el.querySelector<HTMLAnchorElement>('[data-testid=error-help-link]')!
    expect(link.getAttribute('href')).toBe(`#${code}`)
    link.click()
    await nextTick()
    expect(state).toMatchObject({ isHelpOpen: true, helpDoc: 'troubleshooting', helpAnchor: code })
    app.unmount()
  })

  it('shows the specific message under the plain one and records the error for diagnostics', () => {
    const { el, app } = mount(new AppError('download_failed', 'HTTP 503 from the hub'))
    expect(el.textContent).toContain('The download did not finish.')
    expect(el.textContent).toContain('HTTP 503 from the hub')
    // Diagnostics keep the code only: a message may quote a server's reply (issue 17 item 7).
    expect(useErrorLog().recent.value.at(-1)).toEqual({ code: 'download_failed', at: expect.any(Number) })
    app.unmount()
  })

  // Newcomer report #11: the too-long card said "Shorten the message, ..." twice.
  it.each(ERROR_CODES)('%s: a message that ends with the advice shows the advice once', (code) => {
    const { action } = ERROR_HELP[code]
    const { el, app } = mount(new AppError(code, `The server said 42. ${action}`))
    expect(el.textContent!.split(action)).toHaveLength(2)
    expect(el.textContent).toContain('The server said 42.')
    app.unmount()
  })

  // The error card at 360 px showed "This file is not a GGUF model." twice: as its title and as its message's start.
  it.each(ERROR_CODES)('%s: a message that starts with the title shows the title once', (code) => {
    const { title } = ERROR_HELP[code]
    const { el, app } = mount(new AppError(code, `${title} The file is named x.gguf.`))
    expect(el.textContent!.split(title)).toHaveLength(2)
    expect(el.querySelector('.detail')?.textContent).toBe('The file is named x.gguf.')
    app.unmount()
  })

  it.each([
    ['invalid_model_file', 'This file is not a GGUF model: it does not start with "GGUF".', 'It does not start with "GGUF".'],
    ['invalid_model_file', 'This file is not a GGUF model (it starts with "PK\\x03\\x04", not "GGUF").', 'It starts with "PK\\x03\\x04", not "GGUF".'],
    ['truncated_model_file', 'The model file is incomplete: reading the header needs at least 24 bytes.', 'Reading the header needs at least 24 bytes.'],
    ['download_failed', 'The download did not finishing well.', 'The download did not finishing well.'],
    // A local import names the file first (newcomer report, second round).
    ['invalid_model_file', 'notamodel.gguf: This file is not a GGUF model (it starts with "PK", not "GGUF").', 'notamodel.gguf: it starts with "PK", not "GGUF".'],
    ['invalid_model_file', 'Read this: This file is not a GGUF model.', 'Read this'],
    ['invalid_model_file', 'Sure. This file is not a GGUF model.', 'Sure.'],
  ] as const)('%s: %j is shown under its title as %j', (code, message, shown) => {
    const { el, app } = mount(new AppError(code, message))
    expect(el.querySelector('.detail')?.textContent).toBe(shown)
    app.unmount()
  })

  it('a new error is scrolled into view where it is shown; one shown again is not', async () => {
    const scrolled = vi.fn()
    HTMLElement.prototype.scrollIntoView = scrolled
    const { app } = mount(new AppError('download_failed', 'HTTP 503 from the hub'))
    await vi.waitFor(() => expect(scrolled).toHaveBeenCalledWith({ block: 'nearest' }))
    app.unmount()
    scrolled.mockClear()
    const again = mount(new AppError('download_failed'), { isRecorded: false }).app
    await nextTick()
    await nextTick()
    expect(scrolled).not.toHaveBeenCalled()
    again.unmount()
  })

  it('the too-long message keeps its numbers and says what to do once', () => {
    const { el, app } = mount(messageTooLong(9000, { nCtx: 2048, answerTokens: 256, toolTokens: 0 }))
    expect(el.textContent).toContain('needs about 9000 tokens')
    expect(el.textContent!.match(/Shorten the message/g)).toHaveLength(1)
    app.unmount()
  })
})

describe('nextSteps Retry', () => {
  // The same message on the same model fails the same way: Retry would only repeat the error (newcomer report #11).
  it.each(['context_exceeded', 'out_of_memory'] as const)('%s offers its own step, not Retry', (code) => {
    expect(nextSteps(code, { canRetry: true }).map(s => s.kind)).not.toContain('retry')
    expect(nextSteps(code, { canRetry: true })).not.toHaveLength(0)
  })

  it('a passing cause still offers Retry', () => {
    expect(nextSteps('timeout', { canRetry: true }).map(s => s.kind)).toEqual(['retry'])
  })

  it('busy_elsewhere offers Use the model here, but not in the tab that holds the model (an old version of a reply)', () => {
    expect(nextSteps('busy_elsewhere', { canRetry: true }).map(s => s.kind)).toEqual(['take-over', 'retry'])
    expect(nextSteps('busy_elsewhere', { canRetry: true, holdsModel: true }).map(s => s.kind)).toEqual(['retry'])
  })

  it('redirect_blocked offers no Retry: the same download meets the same refusal', () => {
    expect(nextSteps('redirect_blocked', { canRetry: true })).toEqual([])
  })
})
