/**
 * Whether the next message may use tools: the "Use tools" setting (Auto by default), the Tools toggle beside the
 * composer (an answer per conversation, kept in localStorage), and who answers (a cloud model, or the loaded local
 * model and its chat template). The decision itself is the framework-free src/agent/tool-policy.ts.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { toolsOffered, toolsReason, type ToolPolicyInput } from '../agent/tool-policy'
import { useConversationsStore } from './conversations'
import { useEngineStore } from './engine'
import { useModelManagerStore } from './manager'
import { useModelsStore } from './models'
import { useSettingsStore } from './settings'

/** The toggle's answers by conversation id; the key '' holds an answer given before the first message. */
const OVERRIDES_KEY = 'local-ai:chat-tools'

function readOverrides(): Record<string, boolean> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(OVERRIDES_KEY) ?? '{}')
    return parsed && typeof parsed === 'object' ? parsed as Record<string, boolean> : {}
  }
  catch {
    return {}
  }
}

export const useChatToolsStore = defineStore('chatTools', () => {
  const overrides = ref<Record<string, boolean>>(readOverrides())
  const conversations = useConversationsStore()

  function save(next: Record<string, boolean>): void {
    overrides.value = next
    try {
      localStorage.setItem(OVERRIDES_KEY, JSON.stringify(next))
    }
    catch (err) {
      // The answer still holds for this visit.
      console.warn('Could not keep the Tools toggle', err)
    }
  }

  /** The policy's input for conversation `id` ('' before the first message). */
  function inputFor(id: string): ToolPolicyInput {
    const settings = useSettingsStore()
    const models = useModelsStore()
    const target = useModelManagerStore().answerer
    const loaded = models.loaded
    // Before the first local load, judge by the catalog's word on the model that will load.
    const backend = target === 'gemini' || target === 'openai-compat'
      ? { isLocal: false, hasNativeToolCalls: true, hasChatTemplate: true }
      : loaded
        ? { isLocal: true, hasNativeToolCalls: useEngineStore().localService().capabilities.hasNativeToolCalls, hasChatTemplate: loaded.hasChatTemplate }
        : { isLocal: true, hasNativeToolCalls: !!models.defaultModel?.hasToolSupport, hasChatTemplate: true }
    return { setting: settings.toolUse, chatOverride: overrides.value[id], backend, anyToolEnabled: Object.values(settings.tools).some(Boolean) || settings.mcpServers.some(m => m.isEnabled) }
  }

  /** Whether a turn of conversation `id` runs the agent with tools. */
  function isOnFor(id: string): boolean {
    return toolsOffered(inputFor(id))
  }

  /** The open conversation's state, for the toggle: on or off, why, and whether the toggle overrides Settings. */
  const current = computed(() => {
    const input = inputFor(conversations.currentId ?? '')
    return { isOn: toolsOffered(input), reason: toolsReason(input), isOverridden: input.chatOverride !== undefined }
  })

  /** The toggle: `value` for the open conversation, or undefined to follow Settings again. */
  function setForCurrent(value: boolean | undefined): void {
    const id = conversations.currentId ?? ''
    const next = { ...overrides.value }
    if (value === undefined)
      delete next[id]
    else
      next[id] = value
    save(next)
  }

  /** A conversation was just created from the first message: the answer given before it is now its own. */
  function adoptPending(id: string): void {
    if (!('' in overrides.value))
      return
    const { '': pending, ...rest } = overrides.value
    save({ ...rest, [id]: pending! })
  }

  return { current, isOnFor, setForCurrent, adoptPending }
})
