/// <reference lib="webworker" />
/** The download worker: thin wiring from `self.onmessage` to the pure handler in src/downloads/download-protocol.ts. */
import { createDownloadHandler, type DownloadEvent, type DownloadRequest } from '../../downloads/download-protocol'

declare const self: DedicatedWorkerGlobalScope

const handle = createDownloadHandler()
self.addEventListener('message', (ev: MessageEvent<DownloadRequest>) => handle(ev.data, (e: DownloadEvent) => self.postMessage(e)))
