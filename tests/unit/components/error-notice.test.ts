// @vitest-environment happy-dom
/** Every error code renders its plain message, what to do next, and a link that opens help at its section. */
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, h, nextTick } from 'vue'
import ErrorNotice from '../../../src/components/common/ErrorNotice.vue'
import { useErrorLog } from '../../../src/composables/error-log'
import { usePanels } from '../../../src/composables/panels'
import { AppError, ERROR_CODES, ERROR_HELP } from '../../../src/shared/errors'

let host: HTMLElement | null = null
afterEach(() => {
  host?.remove()
})

function mount(error: AppError) {
  host = document.createElement('div')
  document.body.append(host)
  const app = createApp({ render: () => h(ErrorNotice, { error }) })
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
})
