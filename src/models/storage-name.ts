/**
 * The OPFS file name of a model file, from (repo, revision, file). Injective: two different triples never share a
 * name, whatever their Unicode, case, punctuation or length, so one model's download can never overwrite, and its
 * deletion never remove, another model's file (the old `owner--repo--file` names merged `a--b.gguf` and `a/b.gguf`).
 *
 * Short form, when it fits: `~` + enc(repo) + `~` + enc(revision) + `~` + enc(file), where enc keeps `a-z 0-9 . -`
 * and writes every other UTF-8 byte as `_xx` (lower-case hex). enc never produces `~`, so the parts split back
 * exactly, and its output is lower-case ASCII, so a case-folding or Unicode-normalising file system changes nothing.
 * Long form, past {@link MAX_STORAGE_NAME} characters: `=` + SHA-256 of the short form + `~` + a readable tail; the
 * first character keeps the two forms apart, and neither can equal a name the old scheme made (those hold only
 * `[A-Za-z0-9_.-]`), so files stored before keep their names and stay readable.
 */

/** Longest name made, in characters (= bytes: the names are ASCII). File systems allow 255 bytes. */
export const MAX_STORAGE_NAME = 200

const KEPT = new Set('abcdefghijklmnopqrstuvwxyz0123456789.-')

/** `a-z0-9.-` kept, every other UTF-8 byte as `_xx`. Lone surrogates are encoded as U+FFFD would be, so never
 * pass one: the hub's names are well-formed Unicode (a test checks the mapping over any well-formed string). */
export function encodeNamePart(text: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte)
    out += KEPT.has(c) ? c : `_${byte.toString(16).padStart(2, '0')}`
  }
  return out
}

/** The OPFS name for one file of a model pinned to `revision` (a commit, or `url` / `local`). */
export function storageName(ref: { repo: string, revision: string, file: string }): string {
  const short = `~${encodeNamePart(ref.repo)}~${encodeNamePart(ref.revision)}~${encodeNamePart(ref.file)}`
  if (short.length <= MAX_STORAGE_NAME)
    return short
  const tail = encodeNamePart(ref.file.split('/').pop() ?? '').slice(-(MAX_STORAGE_NAME - 66))
  return `=${sha256Hex(short)}~${tail}`
}

const K = Uint32Array.from([
  0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5, 0xD807AA98,
  0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786,
  0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8,
  0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13,
  0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819,
  0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A,
  0x5B9CCA4F, 0x682E6FF3, 0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
  0xC67178F2,
])

/**
 * SHA-256 of a string's UTF-8 bytes, hex. Synchronous (crypto.subtle is not, and names are made in sync code); only
 * ever hashes a name, so speed does not matter. Checked against node:crypto in tests/unit/models/storage-name.test.ts.
 */
export function sha256Hex(text: string): string {
  const data = new TextEncoder().encode(text)
  const bitLength = data.length * 8
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64)
  padded.set(data)
  padded[data.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32))
  view.setUint32(padded.length - 4, bitLength >>> 0)
  const h = Uint32Array.from([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19])
  const w = new Uint32Array(64)
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++)
      w[i] = view.getUint32(block + i * 4)
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!; const b = w[i - 2]!
      w[i] = (w[i - 16]! + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7]! + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) >>> 0
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number]
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0
    }
    const next = [a, b, c, d, e, f, g, hh]
    for (let i = 0; i < 8; i++)
      h[i] = (h[i]! + next[i]!) >>> 0
  }
  return [...h].map(x => x.toString(16).padStart(8, '0')).join('')
}
