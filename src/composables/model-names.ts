import type { ModelRef } from '../contract/types'
import { modelName } from '../models/catalog'
import { useModelsStore } from '../stores/models'

/**
 * One name per model wherever it is shown (header picker, status chip, Settings, the Models card): the catalog's label
 * when the catalog knows the model ("SmolLM2 135M Instruct"), else the file's name without `.gguf`. The picker said
 * "SmolLM2 135M Instruct" before the download and "SmolLM2-135M-Instruct.Q4_1" after it (a newcomer).
 */
export function useModelNames(): (ref: Pick<ModelRef, 'id' | 'file'>) => string {
  const models = useModelsStore()
  return ref => models.catalog.find(m => m.id === ref.id)?.label ?? modelName(ref.file)
}
