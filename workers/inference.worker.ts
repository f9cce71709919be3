/// <reference lib="webworker" />
/** The inference worker: thin wiring from `self.onmessage` to the pure handler. */
import { EngineRouter } from '../src/engines/engine-router'
import { WebLlmEngine } from '../src/engines/webllm/webllm-engine'
import { createWorkerHandler } from '../src/engines/worker-handler'
import { WllamaEngine } from '../src/engines/wllama/wllama-engine'
import { serializeError, AppError } from '../src/protocol/errors'
import type { WorkerEvent } from '../src/protocol/messages'

declare const self: DedicatedWorkerGlobalScope

const engine = new EngineRouter({ wllama: new WllamaEngine(), webllm: new WebLlmEngine() })
const handle = createWorkerHandler(engine)
const post = (event: WorkerEvent) => self.postMessage(event)

// The handler checks every message itself: anything that is not a valid request is answered with `bad_request`.
self.addEventListener('message', (ev: MessageEvent<unknown>) => handle(ev.data, post))
// A message that could not be deserialized has no readable id; say so rather than drop it silently.
self.addEventListener('messageerror', () => post({
  id: '', type: 'error', error: serializeError(new AppError('bad_request', 'The inference worker received a message it could not read.')),
}))
