import { useModelsStore } from '../stores/models'
import { useSettingsStore } from '../stores/settings'

/**
 * Choosing a downloaded model, wherever it is chosen (the header's picker, Settings' "Model on this device"): the
 * next message goes to it, so a cloud backend chosen before (Gemini, your own server) gives way to Auto, and the
 * model loads now. Settings' field used to load the model and leave the server answering (a newcomer's report).
 * Returns a function of the stored model's id; an id not stored does nothing.
 */
export function useChooseLocalModel(): (id: string) => Promise<void> {
  const models = useModelsStore()
  const settings = useSettingsStore()
  return async (id: string) => {
    const stored = models.storedById.get(id)
    if (!stored)
      return
    if (settings.backend === 'gemini' || settings.backend === 'openai-compat')
      settings.backend = 'auto'
    await models.load(stored.ref)
  }
}
