/**
 * Mounting a component the way the app does (with a fresh Pinia, made the active one so the test can reach the same
 * stores), into an element of the document; every mount is undone after its test.
 */
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach } from 'vitest'
import { createApp, nextTick, type Component } from 'vue'

const mounted: Array<() => void> = []
afterEach(() => {
  for (const unmount of mounted.splice(0))
    unmount()
})

/** A fresh Pinia, active for the stores the test sets before mounting. */
export function freshPinia(): Pinia {
  const pinia = createPinia()
  setActivePinia(pinia)
  return pinia
}

/**
 * Mounts `component` with `pinia` (from {@link freshPinia}) into a new element of the document, after one tick.
 * @returns the element it is mounted in
 */
export async function mountWithPinia(component: Component, pinia: Pinia, props?: Record<string, unknown>): Promise<HTMLElement> {
  const el = document.createElement('div')
  document.body.append(el)
  const app = createApp(component, props).use(pinia)
  app.mount(el)
  mounted.push(() => { app.unmount(); el.remove() })
  await nextTick()
  return el
}
