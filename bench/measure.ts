/**
 * What both sides of `npm run bench` share (harness.ts, the app's path; raw-harness.ts, raw wllama): where the models
 * are, the load parameters, and the stopwatch that times a stream the same way on each side.
 */
import type { ChatMessage } from '../src/contract/types'

/** The mirror's repo of the bench models (server/hub-mirror.ts serves MODELS_DIR under it). */
export const REPO = 'local/models'
/** The chat template both sides use: the bench models (like many base GGUFs) have none. */
export const TEMPLATE = 'chatml'
/** Context length, tokens, on both sides. */
export const N_CTX = 2048

/** One streamed reply: ms to the first token, decode tokens/s (first to last), tokens, ms in all. */
export interface Timing { ttftMs: number, decodeTps: number, tokens: number, totalMs: number }
/** Prompt processing as llama.cpp timed it (`timings.prompt_*` of the stream's last chunk), and the caller's first token. */
export interface Prefill { promptTokens: number, promptMs: number, prefillTps: number, ttftMs: number }

/** A model file's URL on the mirror this page is served from (the Hub's /resolve/ layout). */
export const fileUrl = (file: string) => `${location.origin}/${REPO}/resolve/main/${file}`
/** One user message: the chat both sides are asked. */
export const user = (content: string): ChatMessage[] => [{ role: 'user', content }]

/** Times a stream of text deltas: first token, and tokens per second between the first and the last. */
export function stopwatch() {
  const t0 = performance.now()
  let first = 0
  let last = 0
  let tokens = 0
  return {
    token() {
      last = performance.now()
      first ||= last
      tokens++
    },
    result(): Timing {
      const decodeMs = last - first
      return { ttftMs: first - t0, decodeTps: tokens > 1 && decodeMs > 0 ? ((tokens - 1) / decodeMs) * 1000 : 0, tokens, totalMs: performance.now() - t0 }
    },
  }
}
