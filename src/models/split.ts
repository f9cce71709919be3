/**
 * Split GGUFs: llama.cpp's `gguf-split` writes `<name>-00001-of-00003.gguf`, `-00002-of-00003`, ... and loads them
 * as one model when given in order (wllama's `loadModel` takes the parts as a list of blobs).
 */

const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i

/** Every part of the split GGUF `path` names, in order; just `[path]` for an ordinary file. */
export function splitParts(path: string): string[] {
  const match = SPLIT.exec(path)
  if (!match)
    return [path]
  const [, stem, , countText] = match
  const count = Number(countText)
  if (count < 1 || count > 999)
    return [path]
  return Array.from({ length: count }, (_, i) => `${stem}-${String(i + 1).padStart(5, '0')}-of-${countText}.gguf`)
}

/** True for any part but the first: the library lists a split model once, under its first part. */
export function isLaterSplitPart(path: string): boolean {
  const match = SPLIT.exec(path)
  return !!match && Number(match[2]) > 1
}
