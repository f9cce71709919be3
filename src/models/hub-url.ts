/**
 * The public Hugging Face Hub's address, the default hub, and a file's download URL on a hub. Apart from hub-client.ts
 * so that the page's stores do not pull @huggingface/hub (about 60 KB gzip) into the first load for them.
 */
import type { ModelRef } from './model-ref'

export const PUBLIC_HUB_URL = 'https://huggingface.co'

/** The download URL of a file at a revision, as the Hub lays it out (`<hub>/<repo>/resolve/<revision>/<path>`). */
export function hubFileUrl(ref: ModelRef, hubUrl: string): string {
  const path = ref.file.split('/').map(encodeURIComponent).join('/')
  return `${hubUrl.replace(/\/+$/, '')}/${ref.repo}/resolve/${encodeURIComponent(ref.revision ?? 'main')}/${path}`
}
