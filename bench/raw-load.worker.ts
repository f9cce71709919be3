/**
 * Raw wllama loaded from inside a dedicated worker (bench only), as the app loads it from its inference worker, so
 * `warm_start`'s note can tell what starting wllama from a worker costs (wllama's own worker is then a nested one)
 * apart from what the app's code adds. Loads the given OPFS file with the raw side's parameters, unloads, and posts
 * `{ ms }` (the loadModel call alone). Message in: `{ fileName, threads }`.
 */
import { LoggerWithoutDebug, Wllama } from '@wllama/wllama/esm/index.js'
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url'
import { modelFileHandle } from '../src/models/opfs-store'
import { N_CTX, TEMPLATE } from './measure'

self.onmessage = async (event: MessageEvent<{ fileName: string, threads: number }>) => {
  const { fileName, threads } = event.data
  const file = await (await modelFileHandle(fileName)).getFile()
  const t0 = performance.now()
  const w = new Wllama({ default: wasmUrl }, { suppressNativeLog: true, logger: LoggerWithoutDebug })
  w.setCompat(null)
  await w.loadModel([file], { n_ctx: N_CTX, n_threads: threads, n_gpu_layers: 0, n_parallel: 1, chat_template: TEMPLATE })
  const ms = performance.now() - t0
  await w.exit()
  self.postMessage({ ms })
}
