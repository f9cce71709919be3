/// <reference lib="webworker" />
/** The inference worker: thin wiring from `self.onmessage` to the pure handler. */
import { createWorkerHandler } from '../src/engines/worker-handler'
import { WllamaEngine } from '../src/engines/wllama/wllama-engine'
import type { WorkerEvent, WorkerRequest } from '../src/protocol/messages'

declare const self: DedicatedWorkerGlobalScope

const handle = createWorkerHandler(new WllamaEngine())
const post = (event: WorkerEvent) => self.postMessage(event)

self.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => handle(ev.data, post))
