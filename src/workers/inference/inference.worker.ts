/// <reference lib="webworker" />
/** The inference worker: thin wiring from `self.onmessage` to the pure handler. */
import { EngineRouter, lazyEngine } from './engine-router'
import { createWorkerHandler } from './worker-handler'
import { serializeError, AppError } from '../../shared/errors'
import type { WorkerEvent } from '../../contract/messages'

declare const self: DedicatedWorkerGlobalScope

// Both engines are imported on their first load: the worker starts with the page (environment probe), and wllama's
// JavaScript would otherwise be most of what the page loads before the first interaction.
const engine = new EngineRouter({
  wllama: lazyEngine(async () => new (await import('./wllama/wllama-engine')).WllamaEngine()),
  webllm: lazyEngine(async () => new (await import('./webllm/webllm-engine')).WebLlmEngine()),
})
const handle = createWorkerHandler(engine)
const post = (event: WorkerEvent) => self.postMessage(event)

// The handler checks every message itself: anything that is not a valid request is answered with `bad_request`.
self.addEventListener('message', (ev: MessageEvent<unknown>) => handle(ev.data, post))
// A message that could not be deserialized has no readable id; say so rather than drop it silently.
self.addEventListener('messageerror', () => post({
  id: '', type: 'error', error: serializeError(new AppError('bad_request', 'The inference worker received a message it could not read.')),
}))
