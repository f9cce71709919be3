/** Types for scripts/make-bench-models.mjs (plain Node, so `npm run bench` needs no TypeScript runner). */
export interface BenchShape { layers: number, embd: number, heads: number, kvHeads: number, ffn: number }
export type BenchQuant = 'q8_0' | 'q4_0'
export const DEFAULT_CACHE_DIR: string
export const DEFAULT_TOKENIZER: string
export const SHAPE_135M: BenchShape
export const QUANTS: Record<BenchQuant, { ggmlType: number, fileType: number, blockWeights: number, blockBytes: number, scale: number }>
export function readTokenizer(file: string): { entries: Uint8Array[], vocabSize: number }
export function llamaTensors(shape: BenchShape, vocabSize: number): Array<{ name: string, dims: number[], quant: boolean }>
export function writeBenchModel(opts: {
  out: string
  quant: BenchQuant
  shape?: BenchShape
  seed?: number
  tokenizer?: string
  contextLength?: number
}): { path: string, bytes: number, tensors: number, parameters: number }
export function ensureBenchModels(dir?: string, tokenizer?: string): Record<BenchQuant, string>
