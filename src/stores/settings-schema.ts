/**
 * The user's settings as plain data: their type, defaults and validation. Framework-free (no Vue, Pinia or DOM), so
 * the agent core and Node tests can use it; the Pinia store in `settings.ts` keeps it reactive and persisted.
 */
import { DEFAULT_N_CTX } from '../models/load-plan'
import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE } from '../contract/prompt'
import type { McpServerConfig } from '../agent/tools/mcp/types'
import { HISTORY_POLICIES, type HistoryPolicy } from '../orchestrator/history-summary'
import { mcpServersProblem, ruleProblem, type SettingRule } from './settings-rules'

export { MAX_MCP_SERVERS, ruleProblem, type SettingRule } from './settings-rules'
export { GROUP_OF_SETTING, SETTINGS_GROUPS, settingsOfGroup, type SettingsGroup } from './settings-groups'

/** Which backend answers. `auto` picks the best local one and falls back to Gemini when allowed. */
export const BACKEND_CHOICES = ['auto', 'local-cpu', 'local-gpu', 'gemini', 'openai-compat'] as const
export type BackendChoice = (typeof BACKEND_CHOICES)[number]

/** The switches for the built-in tools the agent may call, as Settings shows them. */
export const TOOL_NAMES = ['calculator', 'datetime', 'unit_convert', 'notes'] as const
export type ToolName = (typeof TOOL_NAMES)[number]

/** The agent tools (src/agent/tools/) each switch turns on: the notes switch covers saving and searching. */
export const TOOLS_OF_SWITCH: Record<ToolName, readonly string[]> = {
  calculator: ['calculator'],
  datetime: ['datetime'],
  unit_convert: ['convert_units'],
  notes: ['save_note', 'search_notes'],
}

/**
 * Whether the agent offers tools. `auto`: cloud models, and local models whose chat template declares tool calling;
 * a local model without it answers plainly (a small model given tools picks wrong ones). `on`: every model with a chat
 * template. `off`: never. The toggle beside the composer overrides it for one conversation.
 */
export const TOOL_USE_CHOICES = ['auto', 'on', 'off'] as const
export type ToolUse = (typeof TOOL_USE_CHOICES)[number]

/** Everything the user can set. Saved on the device (IndexedDB), except `geminiApiKey`, which is saved apart. */
export interface UserSettings {
  /** Default 'auto'. */
  backend: BackendChoice
  /** Catalog id (`owner/repo/file`) of the local model to use, written by every load; '' = the last loaded one. */
  modelId: string
  /** CPU threads; 0 = measure the fastest count on first load. Default 0. */
  nThreads: number
  /** Context size in tokens; the engine lowers it to what the model and the device allow. Default 2048. */
  nCtx: number
  /** Run on the GPU when WebGPU is usable, or always on the CPU. Default 'auto'. */
  gpuMode: 'auto' | 'cpu'
  /** Layers offloaded to the GPU; -1 = as many as fit. Default -1. */
  gpuLayers: number
  /** Use the sampling the local model's publisher recommends (catalog `sampling`) instead of the fields below. Default true. */
  isModelSamplingOn: boolean
  /** 0 is greedy. Default 0.7. */
  temperature: number
  /** Nucleus sampling, 0 < p <= 1. Default 0.95. */
  topP: number
  /** Sample among the k most likely tokens; 0 = no limit. Default 40. */
  topK: number
  /** Most tokens an answer may have. Default 256. */
  maxTokens: number
  /** Sent first in every conversation; '' = none. */
  systemPrompt: string
  /** When a chat no longer fits the context: drop the oldest turns, or have the model summarise them. Default 'trim'. */
  historyPolicy: HistoryPolicy
  /** When the agent offers tools at all (see TOOL_USE_CHOICES). Default 'auto'. */
  toolUse: ToolUse
  /** Tools the agent may call, by name, when tools are offered. Default all on. */
  tools: Record<ToolName, boolean>
  /** MCP servers whose tools the agent may call (src/agent/tools/mcp/), at most 20. Default none. */
  mcpServers: McpServerConfig[]
  /** When the local model cannot answer (no model, unsupported device), ask Gemini instead. Default false. */
  isGeminiFallbackOn: boolean
  /** Default 'gemini-2.5-flash'. */
  geminiModel: string
  /** Base URL of the Gemini API; '' = Google's. Tests point it at a local server. */
  geminiBaseUrl: string
  /** The non-Google host the person confirmed the Gemini key may go to; '' = none. Default ''. */
  geminiKeyHost: string
  /** Longest silence between two chunks of a cloud answer before it is cut and kept, in seconds. Default 60. */
  streamIdleTimeoutSec: number
  /** Hub base URL; '' follows the server's mirror, else the public Hub. */
  hubUrl: string
  /** Base URL of an OpenAI-compatible server, e.g. `http://localhost:8080/v1`; '' = none. */
  openaiUrl: string
  /** Model name sent to the OpenAI-compatible server. */
  openaiModel: string
  /** Optional bearer key for the OpenAI-compatible server. */
  openaiKey: string
  /** Unload the model after this many minutes without use, to free memory; 0 = never. Default 15. */
  idleUnloadMinutes: number
  /** Chat template for models without one (e.g. `chatml`); '' = the model's own, or plain completion. */
  chatTemplate: string
  /** Colour theme; 'system' follows prefers-color-scheme. */
  theme: 'system' | 'light' | 'dark'
}

/** What the agent core reads: every setting, validated, plus the Gemini key. A plain object, safe to copy. */
export interface SettingsSnapshot extends UserSettings {
  /** '' when no key is saved. Never log or show this. */
  geminiApiKey: string
  /** The hub the app downloads from: the override, else the server's mirror, else the public Hub. */
  effectiveHubUrl: string
}

export const DEFAULT_SETTINGS: UserSettings = {
  backend: 'auto',
  modelId: '',
  nThreads: 0,
  nCtx: DEFAULT_N_CTX,
  gpuMode: 'auto',
  gpuLayers: -1,
  isModelSamplingOn: true,
  temperature: DEFAULT_TEMPERATURE,
  topP: 0.95,
  topK: 40,
  maxTokens: DEFAULT_MAX_TOKENS,
  systemPrompt: '',
  historyPolicy: 'trim',
  toolUse: 'auto',
  tools: { calculator: true, datetime: true, unit_convert: true, notes: true },
  mcpServers: [],
  isGeminiFallbackOn: false,
  geminiModel: 'gemini-2.5-flash',
  geminiBaseUrl: '',
  geminiKeyHost: '',
  streamIdleTimeoutSec: 60,
  hubUrl: '',
  openaiUrl: '',
  openaiModel: '',
  openaiKey: '',
  idleUnloadMinutes: 15,
  chatTemplate: '',
  theme: 'system',
}

/** Sampling fields a model's recommendation replaces; editing one by hand turns `isModelSamplingOn` off. */
export const MODEL_SAMPLING_FIELDS = ['temperature', 'topP', 'topK'] as const satisfies ReadonlyArray<keyof UserSettings>

/**
 * Settings that take effect only when the model loads again. The backend is not one: a cloud backend answers without
 * touching the loaded model, and every local choice runs the model already loaded (stores/manager.ts
 * answeringBackend), so switching it reloads nothing and must not say it does (issue 16 item 6). Nor is the model:
 * choosing one (header or Settings) loads it at once (stores/models.ts chosenId), so no banner asks for a reload.
 */
export const RELOAD_FIELDS = ['nThreads', 'nCtx', 'gpuMode', 'gpuLayers', 'chatTemplate'] as const satisfies ReadonlyArray<keyof UserSettings>

export type SettingsErrors = Partial<Record<keyof UserSettings, string>>

/** The rule of every setting. A new setting must add one here (the type requires it), and so gets checked. */
export const SETTING_RULES: { readonly [K in keyof UserSettings]: SettingRule } = {
  backend: { kind: 'choice', choices: BACKEND_CHOICES },
  modelId: { kind: 'text', maxLength: 500 },
  nThreads: { kind: 'integer', min: 0, max: 64 },
  nCtx: { kind: 'integer', min: 16, max: 2 ** 24 },
  gpuMode: { kind: 'choice', choices: ['auto', 'cpu'] },
  gpuLayers: { kind: 'integer', min: -1, max: 999 },
  isModelSamplingOn: { kind: 'switch' },
  temperature: { kind: 'number', min: 0, max: 2 },
  topP: { kind: 'number', min: 0, max: 1, isMinExclusive: true },
  topK: { kind: 'integer', min: 0, max: 1000 },
  maxTokens: { kind: 'integer', min: 1, max: 32768 },
  systemPrompt: { kind: 'text', maxLength: 8000 },
  historyPolicy: { kind: 'choice', choices: HISTORY_POLICIES },
  toolUse: { kind: 'choice', choices: TOOL_USE_CHOICES },
  tools: { kind: 'list', check: v => (TOOL_NAMES.every(t => typeof (v as Record<string, unknown> | null)?.[t] === 'boolean') ? undefined : 'Each tool must be on or off.') },
  mcpServers: { kind: 'list', check: mcpServersProblem },
  isGeminiFallbackOn: { kind: 'switch' },
  geminiModel: { kind: 'text', maxLength: 100, pattern: /^[\w.-]+$/, patternHint: 'A model name such as gemini-2.5-flash, without spaces.' },
  geminiBaseUrl: { kind: 'url', example: 'https://generativelanguage.googleapis.com' },
  geminiKeyHost: { kind: 'text', maxLength: 300 },
  streamIdleTimeoutSec: { kind: 'integer', min: 5, max: 3600 },
  hubUrl: { kind: 'url', example: 'https://huggingface.co' },
  openaiUrl: { kind: 'url', example: 'http://localhost:8080/v1' },
  openaiModel: { kind: 'text', maxLength: 200 },
  openaiKey: { kind: 'text', maxLength: 500 },
  idleUnloadMinutes: { kind: 'number', min: 0, max: 1440 },
  chatTemplate: { kind: 'text', maxLength: 64, pattern: /^[\w.-]*$/, patternHint: 'A template name such as chatml, or empty.' },
  theme: { kind: 'choice', choices: ['system', 'light', 'dark'] },
}

/** Checks that depend on another field: the OpenAI-compatible backend needs its address. */
const CROSS_CHECKS: { [K in keyof UserSettings]?: (v: UserSettings[K], all: UserSettings) => string | undefined } = {
  openaiUrl: (v, all) => (all.backend === 'openai-compat' && !v ? 'Enter the server URL to use the OpenAI-compatible backend.' : undefined),
}

/** One message per invalid field, from its rule (SETTING_RULES) and cross-field checks; {} when all are valid. */
export function validateSettings(s: UserSettings): SettingsErrors {
  const errors: SettingsErrors = {}
  for (const key of Object.keys(SETTING_RULES) as Array<keyof UserSettings>) {
    const cross = CROSS_CHECKS[key] as ((v: unknown, all: UserSettings) => string | undefined) | undefined
    const message = ruleProblem(SETTING_RULES[key], s[key]) ?? cross?.(s[key], s)
    if (message)
      errors[key] = message
  }
  return errors
}

/**
 * Saved data (possibly old, partial or hand-edited) as valid settings: unknown fields dropped, invalid ones replaced
 * by `fallback`'s. The older `hubUrl: undefined` shape reads as ''.
 */
export function sanitizeSettings(raw: unknown, fallback: UserSettings = DEFAULT_SETTINGS): UserSettings {
  const input = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const merged = { ...fallback } as Record<string, unknown>
  for (const key of Object.keys(DEFAULT_SETTINGS)) {
    if (input[key] !== undefined)
      merged[key] = key === 'tools' ? { ...fallback.tools, ...(input[key] as object) } : input[key]
  }
  const candidate = merged as unknown as UserSettings
  const errors = validateSettings(candidate)
  for (const key of Object.keys(errors) as Array<keyof UserSettings>)
    (merged as Record<string, unknown>)[key] = fallback[key]
  return structuredClone(merged) as unknown as UserSettings
}
