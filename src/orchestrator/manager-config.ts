/**
 * The settings the ModelManager core reads, framework-free. The app maps its settings store onto this; the core
 * calls the getter at each turn, so a changed key or URL applies without rebuilding anything.
 */
import { DEFAULT_STEP_LIMIT } from '../agent/react-loop'
import { DEFAULT_TOOL_TIMEOUT_MS } from '../agent/tools/builtin-names'
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from '../services/cloud/cloud-common'
import { DEFAULT_GEMINI_MODEL } from '../services/gemini/gemini-service'

export interface ManagerConfig {
  /** The user's Gemini API key; empty when unset. Never logged. */
  geminiApiKey: string
  /** Gemini model name. Default {@link DEFAULT_GEMINI_MODEL}. */
  geminiModel: string
  /** Gemini API root; empty for Google's. */
  geminiBaseUrl: string
  /** The non-Google host the person confirmed the Gemini key may go to; empty for none. */
  geminiKeyHost: string
  /** Longest silence between two chunks of a cloud answer, in milliseconds. Default {@link DEFAULT_STREAM_IDLE_TIMEOUT_MS}. */
  streamIdleTimeoutMs: number
  /** OpenAI-compatible server root, e.g. `http://localhost:8080`; empty when unset. */
  openaiBaseUrl: string
  /** Model name sent to the OpenAI-compatible server. */
  openaiModel: string
  /** Bearer token for the OpenAI-compatible server; empty for none. Never logged. */
  openaiApiKey: string
  /** Retry a failed local turn on Gemini (needs a key). Default false: nothing leaves the device unasked. */
  isFallbackEnabled: boolean
  /** Tool names switched on; undefined for all built-in tools, [] for none. */
  enabledTools?: readonly string[]
  /** Settings' "Use tools" (default auto): under auto, a prompted local model is not offered tools out of its reach (tool-policy.ts). */
  toolUse?: 'auto' | 'on' | 'off'
  /** Model requests per agent turn. Default {@link DEFAULT_STEP_LIMIT}. */
  stepLimit: number
  /** Per tool call, in milliseconds. Default {@link DEFAULT_TOOL_TIMEOUT_MS}. */
  toolTimeoutMs: number
}

export const DEFAULT_MANAGER_CONFIG: ManagerConfig = {
  geminiApiKey: '',
  geminiModel: DEFAULT_GEMINI_MODEL,
  geminiBaseUrl: '',
  geminiKeyHost: '',
  streamIdleTimeoutMs: DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  openaiBaseUrl: '',
  openaiModel: '',
  openaiApiKey: '',
  isFallbackEnabled: false,
  stepLimit: DEFAULT_STEP_LIMIT,
  toolTimeoutMs: DEFAULT_TOOL_TIMEOUT_MS,
}
