/**
 * What deleting a stored model costs: how many bytes a re-download is and from which host, said before the person
 * confirms (issue 16 item 5). Framework-free.
 */
import type { ModelRef } from '../../models/model-ref'
import { URL_REPO } from '../../downloads/stored-files'
import { LOCAL_REPO } from './local-import'
import { hostOf } from '../../shared/origin'

/** Where a model's file would come from again. */
export type RedownloadSource =
  | { kind: 'host', host: string }
  /** Imported from a file on this device: nothing can download it again. */
  | { kind: 'local-file' }

/** The host a re-download of `ref` would use: the direct URL's, or the model hub's (`hubUrl`). */
export function redownloadSource(ref: Pick<ModelRef, 'repo' | 'file'>, hubUrl: string): RedownloadSource {
  if (ref.repo === LOCAL_REPO)
    return { kind: 'local-file' }
  return { kind: 'host', host: hostOf(ref.repo === URL_REPO ? ref.file : hubUrl) }
}
