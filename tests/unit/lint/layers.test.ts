/**
 * The layer rule of eslint.config.js (eslint-plugin-boundaries) on deliberate wrong imports: each must fail
 * `npm run lint`, and a right import must pass. The files need not exist; the imported ones do, so they resolve.
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })

/** The boundaries messages ESLint reports for `code` as if it were the file at `filePath` (relative to the root). */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter(m => m.ruleId?.startsWith('boundaries/')).map(m => `${m.ruleId}: ${m.message}`)
}

describe('layer rule', () => {
  it.each([
    ['inference worker -> page store', 'src/workers/inference/probe.ts', "import { useChatStore } from '../../stores/chat'\nexport const x = useChatStore\n", 'inference-worker (src/workers/inference/probe.ts) must not import ui (src/stores/chat.ts)'],
    ['download worker -> page service', 'src/workers/download/probe.ts', "import { startDownload } from '../../services/library/download-client'\nexport const x = startDownload\n", 'download-worker (src/workers/download/probe.ts) must not import services'],
    ['service worker -> contract', 'src/workers/service-worker/probe.ts', "import type { AIService } from '../../contract/types'\nexport type X = AIService\n", 'service-worker (src/workers/service-worker/probe.ts) must not import contract'],
    ['contract -> orchestrator', 'src/contract/probe.ts', "import { ModelManager } from '../orchestrator/model-manager'\nexport const x = ModelManager\n", 'contract (src/contract/probe.ts) must not import orchestrator'],
    ['services -> UI component', 'src/services/gemini/probe.ts', "import ChatPanel from '../../components/chat/ChatPanel.vue'\nexport const x = ChatPanel\n", 'services (src/services/gemini/probe.ts) must not import ui (src/components/chat/ChatPanel.vue)'],
    ['agent -> orchestrator (type only: the old engines <-> agent cycle)', 'src/agent/probe.ts', "import type { ModelManager } from '../orchestrator/model-manager'\nexport type X = ModelManager\n", 'agent (src/agent/probe.ts) must not import orchestrator'],
    ['models -> contract (ModelRef used to pull it in)', 'src/models/probe.ts', "import type { AIService } from '../contract/types'\nexport type X = AIService\n", 'models (src/models/probe.ts) must not import contract'],
    ['shared -> models', 'src/shared/probe.ts', "import { PUBLIC_CATALOG } from '../models/catalog'\nexport const x = PUBLIC_CATALOG\n", 'shared (src/shared/probe.ts) must not import models'],
    ['page root file -> inference worker', 'src/main.ts', "import { EngineGate } from './workers/inference/engine-gate'\nexport const x = EngineGate\n", 'ui (src/main.ts) must not import inference-worker'],
  ])('fails on %s', async (_name, filePath, code, expected) => {
    const errors = await layerErrors(filePath, code)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('boundaries/dependencies')
    expect(errors[0]).toContain(expected)
  })

  it.each([
    ['services -> contract and models', 'src/services/local/probe.ts', "import type { AIService } from '../../contract/types'\nimport type { ModelRef } from '../../models/model-ref'\nexport type X = [AIService, ModelRef]\n"],
    ['orchestrator -> agent and services', 'src/orchestrator/probe.ts', "import { runAgentTurn } from '../agent/react-loop'\nimport { withRetry } from '../services/cloud/retry'\nexport const x = [runAgentTurn, withRetry]\n"],
    ['download worker -> downloads', 'src/workers/download/probe.ts', "import { createDownloadHandler } from '../../downloads/download-protocol'\nexport const x = createDownloadHandler\n"],
    ['UI component -> store', 'src/components/chat/ChatProbe.vue', "<script setup lang=\"ts\">\nimport { useChatStore } from '../../stores/chat'\nconst chat = useChatStore()\n</script>\n\n<template>\n  <p>{{ chat }}</p>\n</template>\n"],
  ])('passes %s', async (_name, filePath, code) => {
    expect(await layerErrors(filePath, code)).toEqual([])
  })

  it('fails on a file in a folder that is no layer yet', async () => {
    expect(await layerErrors('src/helpers/probe.ts', 'export const x = 1\n')).toEqual([
      'boundaries/no-unknown-files: File does not match any file pattern and does not belong to any known element',
    ])
  })
})
