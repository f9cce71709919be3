/**
 * The user's settings as plain data: their type, defaults and validation. Framework-free (no Vue, Pinia or DOM), so
 * the agent core and Node tests can use it; the Pinia store in `settings.ts` keeps it reactive and persisted.
 */
import { DEFAULT_N_CTX } from '../engines/wllama/load-plan'
import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE } from '../engines/wllama/prompt'
import type { McpServerConfig } from '../agent/tools/mcp/types'
import { HISTORY_POLICIES, type HistoryPolicy } from '../engines/history-summary'
import { endpointProblem } from '../protocol/origin'

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
  /** Catalog id (`owner/repo/file`) of the local model to use; '' = the last loaded one. */
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

/** Settings that take effect only when the model loads again. */
export const RELOAD_FIELDS = ['backend', 'modelId', 'nThreads', 'nCtx', 'gpuMode', 'gpuLayers', 'chatTemplate'] as const satisfies ReadonlyArray<keyof UserSettings>

export type SettingsErrors = Partial<Record<keyof UserSettings, string>>

function intIn(v: unknown, min: number, max: number, what: string): string | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `${what} must be a whole number from ${min} to ${max}.`
}

function numIn(v: unknown, min: number, max: number, what: string): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? undefined : `${what} must be a number from ${min} to ${max}.`
}

/**
 * '' or a well-formed http(s) address (src/protocol/origin.ts): its origin goes into the CSP, so no wildcard, `;`,
 * spaces, user name or query.
 */
function optionalUrl(v: unknown, what: string): string | undefined {
  if (v === '' || endpointProblem(v) === undefined)
    return undefined
  return `${what} must be a plain address starting with http:// or https://, such as https://huggingface.co or http://localhost:8080/v1, with no spaces, *, ; or user name (or empty).`
}

function oneOf(v: unknown, allowed: readonly string[], what: string): string | undefined {
  return allowed.includes(v as string) ? undefined : `${what} must be one of: ${allowed.join(', ')}.`
}

function textUpTo(v: unknown, max: number, what: string): string | undefined {
  return typeof v === 'string' && v.length <= max ? undefined : `${what} must be text of at most ${max} characters.`
}

/** Most MCP servers kept. */
export const MAX_MCP_SERVERS = 20

function namesList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 500 && v.every(n => typeof n === 'string' && n.length <= 200)
}

/** Why the MCP server list is not valid, naming the first bad server, or undefined. */
function mcpServersProblem(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length > MAX_MCP_SERVERS)
    return `MCP servers must be a list of at most ${MAX_MCP_SERVERS}.`
  for (const [i, s] of (v as Array<Partial<McpServerConfig>>).entries()) {
    const which = `MCP server ${i + 1}`
    if (!s || typeof s !== 'object' || typeof s.id !== 'string' || !/^[\w-]{1,40}$/.test(s.id))
      return `${which} is not a server entry.`
    if (endpointProblem(s.url) !== undefined)
      return `${which}: the URL must be a plain address starting with http:// or https://, such as http://127.0.0.1:3001/mcp, with no spaces, *, ;, user name or query.`
    if (typeof s.name !== 'string' || s.name.length > 60)
      return `${which}: the name must be text of at most 60 characters.`
    if (typeof s.token !== 'string' || s.token.length > 2000 || /[\s]/.test(s.token))
      return `${which}: the token must be at most 2000 characters without spaces or line breaks.`
    if (typeof s.isEnabled !== 'boolean' || !namesList(s.disabledTools) || !namesList(s.allowedTools))
      return `${which} is not a server entry.`
  }
  return undefined
}

const VALIDATORS: { [K in keyof UserSettings]: (v: UserSettings[K], all: UserSettings) => string | undefined } = {
  backend: v => oneOf(v, BACKEND_CHOICES, 'Backend'),
  modelId: v => textUpTo(v, 500, 'Model'),
  nThreads: v => intIn(v, 0, 64, 'Threads'),
  nCtx: v => intIn(v, 16, 2 ** 24, 'Context size'),
  gpuMode: v => oneOf(v, ['auto', 'cpu'], 'Run on'),
  gpuLayers: v => intIn(v, -1, 999, 'GPU layers'),
  isModelSamplingOn: v => (typeof v === 'boolean' ? undefined : 'Recommended sampling must be on or off.'),
  temperature: v => numIn(v, 0, 2, 'Temperature'),
  topP: v => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'Top-p must be a number above 0 and at most 1.'),
  topK: v => intIn(v, 0, 1000, 'Top-k'),
  maxTokens: v => intIn(v, 1, 32768, 'Longest answer'),
  systemPrompt: v => textUpTo(v, 8000, 'System prompt'),
  historyPolicy: v => oneOf(v, HISTORY_POLICIES, 'When a chat outgrows the context'),
  toolUse: v => oneOf(v, TOOL_USE_CHOICES, 'Use tools'),
  tools: v => (TOOL_NAMES.every(t => typeof v?.[t] === 'boolean') ? undefined : 'Tools must each be on or off.'),
  mcpServers: v => mcpServersProblem(v),
  isGeminiFallbackOn: v => (typeof v === 'boolean' ? undefined : 'Fallback must be on or off.'),
  geminiModel: v => (typeof v === 'string' && /^[\w.-]{1,100}$/.test(v) ? undefined : 'Gemini model must be a model name such as gemini-2.5-flash.'),
  geminiBaseUrl: v => optionalUrl(v, 'Gemini base URL'),
  geminiKeyHost: v => textUpTo(v, 300, 'Confirmed Gemini key host'),
  streamIdleTimeoutSec: v => intIn(v, 5, 3600, 'Stream idle timeout'),
  hubUrl: v => optionalUrl(v, 'Model hub address'),
  openaiUrl: (v, all) => optionalUrl(v, 'Server URL') ?? (all.backend === 'openai-compat' && !v ? 'Enter the server URL to use the OpenAI-compatible backend.' : undefined),
  openaiModel: v => textUpTo(v, 200, 'Server model'),
  openaiKey: v => textUpTo(v, 500, 'Server key'),
  idleUnloadMinutes: v => numIn(v, 0, 1440, 'Idle minutes'),
  chatTemplate: v => (typeof v === 'string' && /^[\w.-]{0,64}$/.test(v) ? undefined : 'Chat template must be a template name such as chatml, or empty.'),
  theme: v => oneOf(v, ['system', 'light', 'dark'], 'Theme'),
}

/** One message per invalid field; an empty object when everything is valid. */
export function validateSettings(s: UserSettings): SettingsErrors {
  const errors: SettingsErrors = {}
  for (const key of Object.keys(VALIDATORS) as Array<keyof UserSettings>) {
    const check = VALIDATORS[key] as (v: unknown, all: UserSettings) => string | undefined
    const message = check(s[key], s)
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
