/**
 * Which quantizations run well in the browser. In llama.cpp's WebAssembly build every matrix product goes through one
 * dot-product kernel per quantization; ggml has hand-written WebAssembly SIMD (128-bit) kernels for Q4_0, Q5_0, Q5_1,
 * Q8_0 and the K-quants (Q2_K to Q6_K), and builds the others from generic C (`ggml/src/ggml-cpu/arch-fallback.h`,
 * the `__wasm__` list: Q4_1, the IQ and TQ families, MXFP4). Q4_1 is on that list, yet `npm run bench` measured it at
 * the speed of Q4_0 and Q4_K_M in wllama 3.8.1, decode and prefill, in two quiet runs (docs/performance.md, `quant_*`;
 * its generic loop is simple enough for the compiler to vectorise, presumably), so it is not marked. The IQ, TQ and
 * MXFP4 kernels (table lookups per block) are not measured here and stay marked from the source. Pure: no DOM, no Vue.
 */

/** The quantization named in a GGUF file name (`SmolLM2-135M-Instruct.Q4_1.gguf` -> `Q4_1`), upper case; undefined if none. */
export function quantizationOf(path: string): string | undefined {
  const name = path.split('/').pop() ?? path
  const m = /(?:^|[-._])((?:I?Q\d+(?:_[0-9A-Z]+)*)|TQ\d_\d|MXFP4|BF16|F16|F32)(?=[-._]|$)/i.exec(name.replace(/\.gguf$/i, ''))
  return m?.[1]?.toUpperCase()
}

/** Quantizations whose dot product is generic C in ggml's WebAssembly build and not measured fast (see above). */
const SCALAR_IN_WASM = [/^IQ/, /^TQ/, /^MXFP4$/, /^Q1_0$/]

/** How a quantization runs in the browser's WebAssembly build: `simd` or `scalar` (slow); undefined when unknown. */
export function browserKernel(quant: string | undefined): 'simd' | 'scalar' | undefined {
  if (!quant)
    return undefined
  if (SCALAR_IN_WASM.some(r => r.test(quant)))
    return 'scalar'
  return /^(Q[2-8](_[0-9A-Z]+)*|F16|BF16|F32)$/.test(quant) ? 'simd' : undefined
}

/** What the quantization picker says next to a file: a warning for a scalar kernel, nothing otherwise. */
export function browserNote(path: string): string {
  return browserKernel(quantizationOf(path)) === 'scalar' ? ' - slow in the browser (no WebAssembly SIMD kernel)' : ''
}

/** Preferred quantizations in the browser, best first: 4-bit K-quant, then the SIMD 4-, 5- and 8-bit types. */
const PREFERENCE = ['Q4_K_M', 'Q4_K_S', 'Q4_0', 'Q5_K_M', 'Q5_0', 'Q8_0', 'Q6_K']

/**
 * The file the picker should select first: the first of {@link PREFERENCE} found, else the first file with a SIMD
 * kernel, else the first file. Undefined for an empty list.
 */
export function preferredFile(paths: readonly string[]): string | undefined {
  for (const q of PREFERENCE) {
    const hit = paths.find(p => quantizationOf(p) === q)
    if (hit)
      return hit
  }
  return paths.find(p => browserKernel(quantizationOf(p)) === 'simd') ?? paths[0]
}
