/**
 * Whether a turn offers tools at all, as one pure decision (no Vue): the "Use tools" setting, the per-chat toggle
 * beside the composer, and what the answering model can do. Why a default of Auto: a 135M-parameter model given four
 * tools answered "What is the capital of France?" with `search_notes` three times and no answer (issue 15), while the
 * same model without tools answered "Paris". So a local model gets tools by default only when its own chat template
 * declares tool calling; cloud models keep them.
 */

export interface ToolPolicyInput {
  /** Settings' "Use tools": `auto` (default), `on` or `off`. */
  setting: 'auto' | 'on' | 'off'
  /** The toggle beside the composer for this conversation; undefined follows the setting. */
  chatOverride?: boolean
  /** Who answers the turn. */
  backend: {
    /** Runs on this device (wllama, WebLLM). */
    isLocal: boolean
    /** The backend calls tools natively: cloud APIs, or a local chat template with a tool-calling section. */
    hasNativeToolCalls: boolean
    /** The model has a chat template; without one it only continues text and cannot follow any tool protocol. */
    hasChatTemplate: boolean
  }
  /** At least one tool is switched on in Settings. */
  anyToolEnabled: boolean
}

/** True when the turn runs the agent with tools; false for a plain reply. */
export function toolsOffered(input: ToolPolicyInput): boolean {
  if (!input.anyToolEnabled || !input.backend.hasChatTemplate)
    return false
  if (input.chatOverride !== undefined)
    return input.chatOverride
  if (input.setting === 'off')
    return false
  if (input.setting === 'on')
    return true
  return !input.backend.isLocal || input.backend.hasNativeToolCalls
}

/** Why tools are on or off for this turn, in the person's words (the toggle's tooltip). */
export function toolsReason(input: ToolPolicyInput): string {
  const isOn = toolsOffered(input)
  if (!input.anyToolEnabled)
    return 'Tools off: every tool is switched off in Settings.'
  if (!input.backend.hasChatTemplate)
    return 'Tools off: this model has no chat template, so it only continues text.'
  if (input.chatOverride !== undefined)
    return isOn ? 'Tools on for this chat (you turned them on).' : 'Tools off for this chat (you turned them off).'
  if (input.setting !== 'auto')
    return isOn ? 'Tools on: Settings say always.' : 'Tools off: Settings say never.'
  if (!input.backend.isLocal)
    return 'Tools on (Auto): online models call tools reliably.'
  return isOn
    ? 'Tools on (Auto): this model\'s chat template supports tool calls.'
    : 'Tools off (Auto): this model\'s chat template has no tool calling, so it answers directly. Tick to try tools anyway.'
}

/**
 * Built-in tools that a prompted local model (on this device, no native tool calls: SmolLM2-135M and models like it,
 * which take the schema or text strategy) is not offered unless Settings say "Use tools: Always". The eval suite
 * measured them out of such a model's reach (docs/agent.md, "Measured"): SmolLM2-135M never called `save_note` when
 * asked to save a note (its `datetime` and `search_notes` tasks pass half the time, so they stay). Cloud models and
 * local models with native tool calls get every enabled tool.
 */
export const OUT_OF_REACH_WHEN_PROMPTED: readonly string[] = ['save_note']

/**
 * The enabled tools this backend is offered: all of them, except {@link OUT_OF_REACH_WHEN_PROMPTED} for a prompted
 * local model under the Auto setting.
 */
export function toolsWithinReach(enabled: readonly string[], backend: Pick<ToolPolicyInput['backend'], 'isLocal' | 'hasNativeToolCalls'>, setting: ToolPolicyInput['setting'] = 'auto'): string[] {
  if (!backend.isLocal || backend.hasNativeToolCalls || setting === 'on')
    return [...enabled]
  return enabled.filter(name => !OUT_OF_REACH_WHEN_PROMPTED.includes(name))
}
