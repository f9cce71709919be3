/**
 * Splits a GGUF into `-0000i-of-0000N.gguf` parts the way llama.cpp's `gguf-split` does: the first part keeps all
 * metadata, every part carries `split.no`, `split.count` and `split.tensors.count`, and each part holds a run of
 * whole tensors with offsets relative to its own data section. Enough for the e2e test models (alignment 32).
 */
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
const ALIGN = 32

interface TensorEntry { info: Buffer, offsetAt: number, offset: number }

function walk(b: Buffer) {
  let at = 24
  const u64 = () => { const v = Number(b.readBigUInt64LE(at)); at += 8; return v }
  const u32 = () => { const v = b.readUInt32LE(at); at += 4; return v }
  const skip = (type: number): void => {
    // `at += u64()` would read `at` before u64() moves it: take the value first.
    if (type === 8) {
      const n = u64()
      at += n
    }
    else if (type === 9) {
      const elementType = u32()
      const n = u64()
      if (SCALAR_BYTES[elementType] !== undefined)
        at += SCALAR_BYTES[elementType] * n
      else
        for (let i = 0; i < n; i++) skip(elementType)
    }
    else {
      at += SCALAR_BYTES[type]!
    }
  }
  const tensorCount = Number(b.readBigUInt64LE(8))
  const kvCount = Number(b.readBigUInt64LE(16))
  for (let i = 0; i < kvCount; i++) {
    const keyBytes = u64()
    at += keyBytes
    skip(u32())
  }
  const kvEnd = at
  const tensors: TensorEntry[] = []
  for (let i = 0; i < tensorCount; i++) {
    const start = at
    const nameBytes = u64()
    at += nameBytes
    const nDims = u32()
    at += 8 * nDims + 4
    const offsetAt = at - start
    const offset = u64()
    tensors.push({ info: Buffer.from(b.subarray(start, at)), offsetAt, offset })
  }
  return { kvCount, kvEnd, tensors, dataStart: Math.ceil(at / ALIGN) * ALIGN }
}

function kv(key: string, type: number, value: Buffer): Buffer {
  const k = Buffer.from(key)
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(k.length))
  const t = Buffer.alloc(4)
  t.writeUInt32LE(type)
  return Buffer.concat([len, k, t, value])
}

const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b }
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b }
const u64b = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b }

/** The parts of `gguf`, split into `count` runs of tensors, as buffers in order. */
export function splitGguf(gguf: Buffer, count: number): Buffer[] {
  const { kvCount, kvEnd, tensors, dataStart } = walk(gguf)
  const dataEnd = gguf.length - dataStart
  const per = Math.ceil(tensors.length / count)
  return Array.from({ length: count }, (_, part) => {
    const run = tensors.slice(part * per, (part + 1) * per)
    const base = run[0]?.offset ?? 0
    const end = tensors[(part + 1) * per]?.offset ?? dataEnd
    const splitKvs = [kv('split.no', 2, u16(part)), kv('split.count', 2, u16(count)), kv('split.tensors.count', 5, i32(tensors.length))]
    const kvs = part === 0 ? [gguf.subarray(24, kvEnd), ...splitKvs] : splitKvs
    const infos = run.map((t) => {
      const info = Buffer.from(t.info)
      info.writeBigUInt64LE(BigInt(t.offset - base), t.offsetAt)
      return info
    })
    const head = Buffer.concat([gguf.subarray(0, 8), u64b(run.length), u64b((part === 0 ? kvCount : 0) + 3), ...kvs, ...infos])
    const pad = Buffer.alloc(Math.ceil(head.length / ALIGN) * ALIGN - head.length)
    return Buffer.concat([head, pad, gguf.subarray(dataStart + base, dataStart + end)])
  })
}
