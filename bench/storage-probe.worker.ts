/**
 * The download's per-byte work, each part alone, for the `download` case's note (bench only): writing N MiB to OPFS
 * in 1 MiB chunks through the app's own sink (src/downloads/file-sink.ts: a sync access handle, the file sized up
 * front, as the download worker writes), and SHA-256 over N MiB with hash-wasm (as it hashes). With both known, the app's figure splits into what the disk, the hash and the network cost.
 * Message in: `{ mib }`; out: `{ writeMiBps, hashMiBps }`.
 */
import { createSHA256 } from 'hash-wasm'
import { openFileSink } from '../src/downloads/file-sink'
import { deleteModelFile } from '../src/models/opfs-store'

const CHUNK = 2 ** 20

self.onmessage = async (event: MessageEvent<{ mib: number }>) => {
  const { mib } = event.data
  const chunk = new Uint8Array(CHUNK)
  for (let i = 0; i < CHUNK; i++)
    chunk[i] = (i * 2654435761) >>> 24
  const name = 'bench-storage-probe.bin'
  const sink = await openFileSink(name, 0, mib * CHUNK)
  let t0 = performance.now()
  for (let i = 0; i < mib; i++)
    await sink.write(chunk)
  await sink.close()
  const writeMs = performance.now() - t0
  await deleteModelFile(name)

  const hasher = await createSHA256()
  t0 = performance.now()
  for (let i = 0; i < mib; i++)
    hasher.update(chunk)
  hasher.digest('hex')
  const hashMs = performance.now() - t0
  self.postMessage({ writeMiBps: mib / (writeMs / 1000), hashMiBps: mib / (hashMs / 1000) })
}
