/**
 * The app's resumable download (`src/downloads/fetch-resume.ts`) on Node: files in a folder of the file system, hasher
 * checkpoints in memory (a checkpoint only saves re-hashing; without one a resume re-hashes the part on disk).
 * Used by `./test-models.ts` to fill the test models' cache through the same code the app downloads with.
 */
import { openAsBlob } from 'node:fs'
import { mkdir, open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DownloadStorage } from '../src/downloads/fetch-resume.ts'
import type { FileSink } from '../src/downloads/file-sink.ts'
import type { HashCheckpoint } from '../src/models/manifest.ts'

/**
 * A {@link DownloadStorage} over `dir` (created on the first write): file names are plain names inside it. Sinks
 * never size a file up front, so `preallocated` is always false.
 */
export function nodeDownloadStorage(dir: string): DownloadStorage {
  const checkpoints = new Map<string, HashCheckpoint>()
  const pathOf = (fileName: string) => join(dir, fileName)
  return {
    fileSize: async fileName => (await stat(pathOf(fileName)).catch(() => undefined))?.size,
    readSlice: async (fileName, start, end) => (await openAsBlob(pathOf(fileName))).slice(start, end),
    openSink: async (fileName, offsetBytes) => {
      await mkdir(dir, { recursive: true })
      return fileSink(pathOf(fileName), offsetBytes)
    },
    getCheckpoint: async fileName => checkpoints.get(fileName),
    putCheckpoint: async (fileName, checkpoint) => void checkpoints.set(fileName, checkpoint),
    deleteCheckpoint: async fileName => void checkpoints.delete(fileName),
  }
}

async function fileSink(path: string, offsetBytes: number): Promise<FileSink> {
  // 'a+' would ignore positions on Linux; 'r+' needs the file to exist, so create it first.
  await (await open(path, 'a')).close()
  const handle = await open(path, 'r+')
  await handle.truncate(offsetBytes)
  let sizeBytes = offsetBytes
  return {
    get sizeBytes() { return sizeBytes },
    preallocated: false,
    async write(bytes) {
      for (let done = 0; done < bytes.byteLength;)
        done += (await handle.write(bytes, done, bytes.byteLength - done, sizeBytes + done)).bytesWritten
      sizeBytes += bytes.byteLength
    },
    flush: () => handle.sync(),
    close: async () => {
      await handle.sync()
      await handle.close()
    },
  }
}
