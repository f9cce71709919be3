/// <reference lib="webworker" />
/** The inference worker: thin wiring from `self.onmessage` to the pure handler. */
import { EngineRouter } from '../src/engines/engine-router'
import { WebLlmEngine } from '../src/engines/webllm/webllm-engine'
import { createWorkerHandler } from '../src/engines/worker-handler'
import { WllamaEngine } from '../src/engines/wllama/wllama-engine'
import type { WorkerEvent, WorkerRequest } from '../src/protocol/messages'

declare const self: DedicatedWorkerGlobalScope

const engine = new EngineRouter({ wllama: new WllamaEngine(), webllm: new WebLlmEngine() })
const handle = createWorkerHandler(engine)
const post = (event: WorkerEvent) => self.postMessage(event)

self.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => handle(ev.data, post))
