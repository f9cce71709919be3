/**
 * The GGUF data model: public types of the header reader (`./gguf.ts`) and the two type tables of the format, the
 * metadata value tags and the ggml tensor types with their block geometry. Plain data, no I/O.
 * Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md; sizes as in gguf-py's `GGML_QUANT_SIZES`.
 */

/** Random access to a file's bytes, so the reader runs on an OPFS `Blob`, a Node file or an in-memory buffer alike. */
export interface ByteSource {
  /** Total size of the file, in bytes. */
  readonly sizeBytes: number
  /** Bytes `[offset, offset + length)`; may return fewer only at the end of the file. Offsets in bytes. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** Names of the metadata value types, indexed by their u32 tag in the file (GGUF v2/v3). */
export const GGUF_VALUE_TYPES = [
  'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64',
] as const

export type GgufValueTypeName = (typeof GGUF_VALUE_TYPES)[number]

/** A metadata array longer than the reader keeps (64 elements): only its element type and length. */
export interface GgufArraySummary {
  type: 'array'
  elementType: GgufValueTypeName
  /** Number of elements. */
  length: number
}

/**
 * One metadata value. 64-bit integers are numbers when they fit `Number.MAX_SAFE_INTEGER`, bigints otherwise.
 * Arrays of up to 64 elements are kept; longer ones are a {@link GgufArraySummary}.
 */
export type GgufValue = number | bigint | boolean | string | GgufArraySummary | GgufValue[]

/** One tensor's entry in the header. */
export interface TensorInfo {
  name: string
  /** Dimensions, innermost first (ggml's `ne`); element counts. */
  dims: number[]
  /** ggml type id, e.g. 0 = F32, 1 = F16, 8 = Q8_0; see {@link GGML_TYPES}. */
  ggmlType: number
  /** ggml type name, e.g. `Q8_0`. */
  typeName: string
  /** Start of the tensor's data, in bytes, relative to {@link GgufHeader.dataOffset}. */
  offset: number
  /** Size of the tensor's data, in bytes. */
  sizeBytes: number
  /** Number of weights (product of `dims`). */
  elementCount: number
}

/** Everything before the tensor data of a GGUF file. */
export interface GgufHeader {
  /** GGUF format version: 2 or 3. */
  version: number
  tensorCount: number
  metadata: Record<string, GgufValue>
  tensors: TensorInfo[]
  /** Alignment of the data section and of each tensor, in bytes (`general.alignment`, default 32). */
  alignment: number
  /** Where the tensor data section starts, in bytes from the start of the file. */
  dataOffset: number
  /** Where the last tensor's data ends, in bytes from the start of the file: the least size of a complete file. */
  dataEndBytes: number
}

/** What the app shows and needs about a model, taken from its header. */
export interface ModelSummary {
  /** `general.architecture`, e.g. `llama`. */
  architecture: string
  /** `general.name`. */
  name?: string
  /** Trained context window, in tokens. */
  contextLength?: number
  /** Width of the hidden state (embedding dimension). */
  embeddingLength?: number
  /** Number of transformer layers. */
  blockCount?: number
  /** Attention heads per layer. */
  headCount?: number
  /** Key/value heads per layer (fewer than `headCount` with grouped-query attention). */
  headCountKv?: number
  /** Hidden size of the feed-forward network. */
  feedForwardLength?: number
  /** Number of tokens in the vocabulary. */
  vocabSize?: number
  /** The file carries `tokenizer.chat_template`; without one, prompts are plain completions. */
  hasChatTemplate: boolean
  /** The Jinja chat template, when there is one. */
  chatTemplate?: string
  /** llama.cpp's file type (`general.file_type`) by name, e.g. `Q4_K_M`, or `ftype N` for an unknown id. */
  fileType?: string
  /** Number of weights: the sum of the tensors' element counts. */
  parameterCount: number
}

/** The outcome of {@link validateGguf}: a bad file is an expected result, not an exception. */
export type GgufCheck =
  | { ok: true, header: GgufHeader, summary: ModelSummary }
  | { ok: false, code: 'invalid_model_file' | 'truncated_model_file', message: string }

/** Block geometry of a ggml tensor type: `blockSize` weights are stored in `bytesPerBlock` bytes. */
export interface GgmlTypeInfo {
  name: string
  /** Weights per block. */
  blockSize: number
  /** Bytes per block. */
  bytesPerBlock: number
}

const QK_K = 256

function t(name: string, blockSize: number, bytesPerBlock: number): GgmlTypeInfo {
  return { name, blockSize, bytesPerBlock }
}

/** ggml tensor types by id (`enum ggml_type`). Ids 4, 5, 31-33 and 36-38 were removed upstream and are absent. */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map([
  [0, t('F32', 1, 4)],
  [1, t('F16', 1, 2)],
  [2, t('Q4_0', 32, 2 + 16)],
  [3, t('Q4_1', 32, 2 + 2 + 16)],
  [6, t('Q5_0', 32, 2 + 4 + 16)],
  [7, t('Q5_1', 32, 2 + 2 + 4 + 16)],
  [8, t('Q8_0', 32, 2 + 32)],
  [9, t('Q8_1', 32, 4 + 4 + 32)],
  [10, t('Q2_K', QK_K, 2 + 2 + QK_K / 16 + QK_K / 4)],
  [11, t('Q3_K', QK_K, 2 + QK_K / 4 + QK_K / 8 + 12)],
  [12, t('Q4_K', QK_K, 2 + 2 + QK_K / 2 + 12)],
  [13, t('Q5_K', QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12)],
  [14, t('Q6_K', QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16)],
  [15, t('Q8_K', QK_K, 4 + QK_K + QK_K / 8)],
  [16, t('IQ2_XXS', QK_K, 2 + QK_K / 4)],
  [17, t('IQ2_XS', QK_K, 2 + QK_K / 4 + QK_K / 32)],
  [18, t('IQ3_XXS', QK_K, 2 + QK_K / 4 + QK_K / 8)],
  [19, t('IQ1_S', QK_K, 2 + QK_K / 8 + QK_K / 16)],
  [20, t('IQ4_NL', 32, 2 + 16)],
  [21, t('IQ3_S', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4)],
  [22, t('IQ2_S', QK_K, 2 + QK_K / 4 + QK_K / 16)],
  [23, t('IQ4_XS', QK_K, 2 + 2 + QK_K / 2 + QK_K / 64)],
  [24, t('I8', 1, 1)],
  [25, t('I16', 1, 2)],
  [26, t('I32', 1, 4)],
  [27, t('I64', 1, 8)],
  [28, t('F64', 1, 8)],
  [29, t('IQ1_M', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32)],
  [30, t('BF16', 1, 2)],
  [34, t('TQ1_0', QK_K, 2 + 4 * 13)],
  [35, t('TQ2_0', QK_K, 2 + 64)],
  [39, t('MXFP4', 32, 1 + 16)],
])

/** llama.cpp's `enum llama_ftype` names by id (`general.file_type`); removed ids are absent. */
export const LLAMA_FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'F32'], [1, 'F16'], [2, 'Q4_0'], [3, 'Q4_1'], [7, 'Q8_0'], [8, 'Q5_0'], [9, 'Q5_1'], [10, 'Q2_K'],
  [11, 'Q3_K_S'], [12, 'Q3_K_M'], [13, 'Q3_K_L'], [14, 'Q4_K_S'], [15, 'Q4_K_M'], [16, 'Q5_K_S'], [17, 'Q5_K_M'],
  [18, 'Q6_K'], [19, 'IQ2_XXS'], [20, 'IQ2_XS'], [21, 'Q2_K_S'], [22, 'IQ3_XS'], [23, 'IQ3_XXS'], [24, 'IQ1_S'],
  [25, 'IQ4_NL'], [26, 'IQ3_S'], [27, 'IQ3_M'], [28, 'IQ2_S'], [29, 'IQ2_M'], [30, 'IQ4_XS'], [31, 'IQ1_M'],
  [32, 'BF16'], [36, 'TQ1_0'], [37, 'TQ2_0'], [38, 'MXFP4_MOE'],
])
