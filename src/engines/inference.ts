/**
 * The app's one connection to the inference worker, created on first use. Engine objects stay out of reactive
 * state: stores hold ids and plain results, never this client.
 */
import { WorkerClient, createInferenceWorker } from './worker-client'

let client: WorkerClient | null = null

export function inferenceClient(): WorkerClient {
  client ??= new WorkerClient(createInferenceWorker())
  return client
}
