/**
 * The tool prompt in real tokens: SmolLM2-135M-Instruct's own tokenizer through node-llama-cpp (native llama.cpp,
 * vocabulary only, so loading takes under a second). The model is the shipped one in the models folder.
 */
import { join } from 'node:path'
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { promptFor } from '../../../src/agent/strategies'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { resolveModelsDir } from '../../../server/models-dir'

const MODEL = join(resolveModelsDir() ?? '../shared/models', 'SmolLM2-135M-Instruct.Q4_1.gguf')
const QUESTION = [{ role: 'user' as const, content: 'What is the capital of France?' }]

/**
 * promptFor's text before the cut (full JSON Schemas, `<short reasoning>` placeholders), all built-in tools on (the
 * four Settings toggles: calculator, date and time, units, notes = save_note + search_notes), this question.
 */
const TOKENS_BEFORE = 535

describe('tool prompt size (SmolLM2 tokenizer)', () => {
  let llama: Llama
  let model: LlamaModel
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never' })
    model = await llama.loadModel({ modelPath: MODEL, vocabOnly: true })
  })
  afterAll(async () => {
    await model?.dispose()
    await llama?.dispose()
  })

  it(`the prompt with every built-in tool is at most half of its former ${TOKENS_BEFORE} tokens (267 now)`, () => {
    const tokens = model.tokenize(promptFor(QUESTION, new ToolRegistry(builtinTools()))).length
    expect(tokens).toBeLessThanOrEqual(Math.ceil(TOKENS_BEFORE / 2))
    expect(tokens).toBeGreaterThan(150) // the measure is real: tools, format, example and question are all there
  })

  it('the tokenizer is the model\'s own: a known sentence has its known length', () => {
    expect(model.tokenize(QUESTION[0]!.content).length).toBe(7)
  })
})
