/**
 * WebGPU through Chromium's SwiftShader adapter. SwiftShader has no `shader-f16`, and llama.cpp's WebGPU backend
 * cannot create a device without it, so on this machine every layer runs on the CPU: the app must say so, keep the
 * output identical, and never fail. (With an f16-capable GPU the same path puts all layers on the GPU.)
 */
import { expect, test } from '@playwright/test'
import { ask, downloadStories, openApp, openPerformance, reloadAndWaitLoaded, setGreedy, setSetting } from './helpers'

test('the probe reports the WebGPU adapter and its features, and the fallback is visible and exact', async ({ page }) => {
  await openApp(page)
  await openPerformance(page)
  const gpu = page.getByTestId('engine-gpu')
  await expect(gpu).toHaveAttribute('data-has-adapter', 'true')
  await expect(gpu).toHaveAttribute('data-shader-f16', 'false')
  await expect(gpu).toContainText(/WebGPU adapter.*no shader-f16, max buffer \d+ MiB/)

  await downloadStories(page)
  await openPerformance(page)
  await expect(page.getByTestId('engine-backend')).toHaveAttribute('data-backend', 'cpu')
  await expect(page.getByTestId('engine-note')).toContainText('shader-f16')
  await setGreedy(page, 48)
  const auto = await ask(page, 'Once upon a time')

  await setSetting(page, 'setting-gpu-mode', 'cpu')
  await reloadAndWaitLoaded(page)
  await openPerformance(page)
  await expect(page.getByTestId('engine-note')).toHaveCount(0)
  await setGreedy(page, 48)
  expect(await ask(page, 'Once upon a time')).toBe(auto)
  expect(auto).toContain('there was a little girl named Lily')
})
