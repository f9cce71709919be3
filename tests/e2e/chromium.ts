/** Debian's Chromium, found the same way as scripts/ensure-chromium.mjs, with the flags that work on this machine. */
import { existsSync } from 'node:fs'

export function chromiumPath(): string {
  const path = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => p && existsSync(p))
  if (!path)
    throw new Error('Chromium not found: run `node scripts/ensure-chromium.mjs` (or set CHROMIUM_PATH).')
  return path
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // measureUserAgentSpecificMemory() normally waits for a natural garbage collection (up to minutes when idle);
  // this makes it measure at once, so the memory test does not wait on GC timing.
  '--enable-blink-features=ForceEagerMeasureMemory',
]

/** SwiftShader's WebGPU adapter: a real WebGPU path without a GPU (no shader-f16, 1 GiB max buffer). */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
]
