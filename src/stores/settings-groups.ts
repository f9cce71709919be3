/** The groups the Settings page shows and which setting belongs to which (framework-free, like settings-schema.ts). */
import type { UserSettings } from './settings-schema'

/** The groups Settings shows, in order; each resets on its own. */
export const SETTINGS_GROUPS = ['general', 'generation', 'cloud', 'tools', 'advanced'] as const
export type SettingsGroup = (typeof SETTINGS_GROUPS)[number]

/** Which group every setting belongs to (the type requires one for each new setting). */
export const GROUP_OF_SETTING: { readonly [K in keyof UserSettings]: SettingsGroup } = {
  theme: 'general', backend: 'general', modelId: 'general', idleUnloadMinutes: 'general',
  isModelSamplingOn: 'generation', temperature: 'generation', topP: 'generation', topK: 'generation',
  maxTokens: 'generation', systemPrompt: 'generation', historyPolicy: 'generation', nCtx: 'generation',
  geminiModel: 'cloud', isGeminiFallbackOn: 'cloud', geminiKeyHost: 'cloud', openaiUrl: 'cloud', openaiModel: 'cloud',
  openaiKey: 'cloud', streamIdleTimeoutSec: 'cloud',
  toolUse: 'tools', tools: 'tools', mcpServers: 'tools',
  nThreads: 'advanced', gpuMode: 'advanced', gpuLayers: 'advanced', chatTemplate: 'advanced',
  geminiBaseUrl: 'advanced', hubUrl: 'advanced',
}

/** The settings of one group, in declaration order. */
export function settingsOfGroup(group: SettingsGroup): Array<keyof UserSettings> {
  return (Object.keys(GROUP_OF_SETTING) as Array<keyof UserSettings>).filter(k => GROUP_OF_SETTING[k] === group)
}
