/** Native llama.cpp through node-llama-cpp (prebuilt binaries, no GPU, never builds): the decode speed limit. */
import { getLlama, LlamaCompletion } from 'node-llama-cpp'

export async function openNative(modelPath, threads, contextSize = 2048) {
  const llama = await getLlama({ gpu: false, build: 'never' })
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
    async close() {
      await context.dispose()
      await model.dispose()
    },
  }
}
