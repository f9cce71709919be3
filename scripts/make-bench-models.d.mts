/** Types for scripts/make-bench-models.mjs (plain Node, so `npm run bench` needs no TypeScript runner). */
export interface BenchShape { layers: number, embd: number, heads: number, kvHeads: number, ffn: number }
export type BenchQuant = 'q8_0' | 'q4_0' | 'q4_1' | 'q4_k_m'
export interface BenchBlock { ggmlType: number, blockWeights: number, blockBytes: number, scale: number, min?: number }
export const BLOCKS: Record<'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q4_k', BenchBlock>
export const DEFAULT_CACHE_DIR: string
export const DEFAULT_TOKENIZER: string
export const SHAPE_135M: BenchShape
export const QUANTS: Record<BenchQuant, { fileType: number, block: (t: { name: string, dims: number[] }) => BenchBlock }>
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
