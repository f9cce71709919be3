/** Native llama.cpp through node-llama-cpp (prebuilt binaries, no GPU, never builds): the speed limit for each case. */
import { getLlama, LlamaCompletion } from 'node-llama-cpp'

let llamaPromise

/**
 * Opens `modelPath` with `threads` threads (node-llama-cpp sets the same count for decoding and for prompt batches)
 * and a context of `contextSize` tokens.
 */
export async function openNative(modelPath, threads, contextSize = 2048) {
  llamaPromise ??= getLlama({ gpu: false, build: 'never' })
  const llama = await llamaPromise
  const model = await llama.loadModel({ modelPath })
  const context = await model.createContext({ contextSize, threads })
  return {
    /** Same measurement as the browser's stopwatch: first token, then tokens/s between the first and the last. */
    async completion(prompt, maxTokens) {
      const sequence = context.getSequence()
      try {
        const completion = new LlamaCompletion({ contextSequence: sequence })
        const t0 = performance.now()
        let first = 0
        let last = 0
        let tokens = 0
        await completion.generateCompletion(prompt, {
          maxTokens, temperature: 0,
          onToken: (t) => {
            for (let i = 0; i < t.length; i++) {
              last = performance.now()
              first ||= last
              tokens++
            }
          },
        })
        return { ttftMs: first - t0, decodeTps: tokens > 1 ? ((tokens - 1) / (last - first)) * 1000 : 0, tokens }
      }
      finally {
        sequence.dispose()
      }
    },
    /**
     * Prompt processing alone: the prompt's tokens (BOS first, as wllama's completion adds it) evaluated into an empty
     * KV cache in one call, batched as llama.cpp batches (n_batch = min(context, 512)). Returns tokens, ms, tokens/s.
     */
    async prefill(prompt) {
      const tokens = model.tokenize(prompt)
      const sequence = context.getSequence()
      try {
        const t0 = performance.now()
        await sequence.evaluateWithoutGeneratingNewTokens(tokens)
        const ms = performance.now() - t0
        return { promptTokens: tokens.length, promptMs: ms, prefillTps: (tokens.length / ms) * 1000 }
      }
      finally {
        sequence.dispose()
      }
    },
    /**
     * Exactly `n` tokens after `prompt`, greedy, whatever the model says: first token time, and tokens/s between the
     * first and the last. An end-of-generation token does not stop it: node-llama-cpp will not bias one away
     * (`TokenBias.set(eog, 'never')` is ignored, TokenBias.d.ts), so `yieldEogToken` yields it and the sequence goes on
     * decoding after it, one forward pass per token as wllama's `ignore_eos` does. Without it, a chat model that ends
     * at once gave 0 tokens (`quant_smollm2_q4_1_decode` in the 2026-11-30 quiet run).
     */
    async decodeFixed(prompt, n) {
      const sequence = context.getSequence()
      try {
        const t0 = performance.now()
        let first = 0
        let last = 0
        let count = 0
        for await (const _token of sequence.evaluate(model.tokenize(prompt), { temperature: 0, yieldEogToken: true })) {
          last = performance.now()
          first ||= last
          if (++count >= n)
            break
        }
        return { ttftMs: first - t0, decodeTps: count > 1 ? ((count - 1) / (last - first)) * 1000 : 0, tokens: count }
      }
      finally {
        sequence.dispose()
      }
    },
    async close() {
      await context.dispose()
      await model.dispose()
    },
  }
}
