/**
 * Writing a model file into OPFS at a byte offset, so a download can continue where it stopped.
 *
 * In a worker the sink is a `FileSystemSyncAccessHandle`: writes go straight to the file and `flush()` makes them
 * durable, so a crashed tab keeps every flushed byte. Given the expected size, it sizes the file to it at once: a sync
 * handle that grows the file on every write spends half the download's time in growing it (Chromium asks for
 * quota per growth), measured with `npm run bench -- --only=download`. Closing cuts the file back to the bytes written;
 * after a crash the caller's checkpoint says how many bytes are data (`preallocated`). On the page (no sync handles there) it is a writable stream,
 * whose bytes land in the file when it is closed, which happens on success, on error and on cancel alike.
 */
import { AppError } from '../shared/errors'
import { modelFileHandle } from '../models/opfs-store'
import type { RandomAccessFile } from './parallel-fetch'

export interface FileSink {
  /** Appends bytes. @throws the browser's error (QuotaExceededError when storage is full) */
  write(bytes: Uint8Array): Promise<void>
  /** Makes everything written so far durable. */
  flush(): Promise<void>
  /** Flushes and releases the file; the bytes written stay. */
  close(): Promise<void>
  /** Bytes written into the file from its start (the file itself may be longer while `preallocated`). */
  readonly sizeBytes: number
  /** The file was sized to the expected bytes up front; until `close()` its length says nothing about the data. */
  readonly preallocated: boolean
}

interface SyncHandle {
  write(buffer: Uint8Array, options?: { at?: number }): number
  read(buffer: Uint8Array, options?: { at?: number }): number
  truncate(size: number): void
  getSize(): number
  flush(): void
  close(): void
}

type SyncCapable = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncHandle> }

/**
 * Opens `fileName` for writing from `offsetBytes`; anything after that offset is cut off.
 * @param expectedBytes the file's final size, if known: a sync sink sizes the file to it up front.
 * @throws QuotaExceededError when the expected size does not fit
 */
export async function openFileSink(fileName: string, offsetBytes: number, expectedBytes = 0): Promise<FileSink> {
  const handle = await modelFileHandle(fileName, true) as SyncCapable
  if (typeof handle.createSyncAccessHandle === 'function' && !('document' in globalThis)) {
    const access = await handle.createSyncAccessHandle()
    try {
      return syncSink(access, offsetBytes, expectedBytes)
    }
    catch (err) {
      access.close()
      throw err
    }
  }
  return writableSink(await handle.createWritable({ keepExistingData: offsetBytes > 0 }), offsetBytes)
}

function syncSink(access: SyncHandle, offsetBytes: number, expectedBytes: number): FileSink {
  access.truncate(offsetBytes)
  const preallocated = expectedBytes > offsetBytes
  if (preallocated)
    access.truncate(expectedBytes)
  let at = offsetBytes
  return {
    get sizeBytes() { return at },
    preallocated,
    async write(bytes) {
      const written = access.write(bytes, { at })
      at += written
      if (written !== bytes.byteLength)
        throw new AppError('storage_quota', `Only ${written} of ${bytes.byteLength} bytes could be written: storage is full.`)
    },
    async flush() { access.flush() },
    async close() {
      if (preallocated)
        access.truncate(at)
      access.flush()
      access.close()
    },
  }
}

function writableSink(writable: FileSystemWritableFileStream, offsetBytes: number): FileSink {
  let at = offsetBytes
  let ready: Promise<void> = offsetBytes > 0 ? writable.truncate(offsetBytes).then(() => writable.seek(offsetBytes)) : Promise.resolve()
  return {
    get sizeBytes() { return at },
    preallocated: false,
    async write(bytes) {
      await ready
      await writable.write(bytes as Uint8Array<ArrayBuffer>)
      at += bytes.byteLength
    },
    // A writable commits only on close; durability comes from closing on every exit path.
    async flush() { await ready },
    async close() {
      await ready
      ready = Promise.resolve()
      await writable.close()
    },
  }
}

/**
 * Opens `fileName` for writes and reads at any offset, sized to `sizeBytes` (bytes already there are kept), for a
 * download over parallel connections (`./parallel-fetch.ts`). Only where sync access handles exist (a worker);
 * undefined elsewhere, and the download goes in one stream.
 * @throws QuotaExceededError when the size does not fit
 */
export async function openRandomAccessFile(fileName: string, sizeBytes: number): Promise<RandomAccessFile | undefined> {
  const handle = await modelFileHandle(fileName, true) as SyncCapable
  if (typeof handle.createSyncAccessHandle !== 'function' || 'document' in globalThis)
    return undefined
  const access = await handle.createSyncAccessHandle()
  try {
    if (access.getSize() !== sizeBytes)
      access.truncate(sizeBytes)
  }
  catch (err) {
    access.close()
    throw err
  }
  return {
    writeAt(bytes, at) {
      const written = access.write(bytes, { at })
      if (written !== bytes.byteLength)
        throw new AppError('storage_quota', `Only ${written} of ${bytes.byteLength} bytes could be written: storage is full.`)
    },
    readAt: (into, at) => access.read(into, { at }),
    flush: () => access.flush(),
    close() {
      access.flush()
      access.close()
    },
  }
}
