/**
 * A thin Pinia shell over the framework-free ModelManager core (src/orchestrator/model-manager.ts): it mirrors the core's
 * events into refs the UI renders and forwards calls. Wiring, for the chat store and settings:
 *
 * ```ts
 * const manager = useModelManagerStore()
 * manager.init({ local: { wllama: wllamaService, webllm: webllmService }, config: () => settings.managerConfig })
 * await manager.select('wllama', modelRef)            // or select('gemini', 'gemini-2.5-flash')
 * const r = await manager.runTurn({ messages, signal, onStep, onDelta, confirm })
 * // r: { steps, answer, outcome, messages, backend, model, metrics, fellBack }; append r.messages to the chat.
 * ```
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { AgentStep } from '../agent/types'
import { ModelManager, type ManagerOptions, type ManagerStatus, type TurnRequest, type TurnResult } from '../orchestrator/model-manager'
import type { ModelRef, Progress, ServiceId } from '../contract/types'
import { DEFAULT_MANAGER_CONFIG, type ManagerConfig } from '../orchestrator/manager-config'
import { AppError } from '../shared/errors'
import { OpenAICompatService } from '../services/openai-compat/openai-compat-service'
import { useEngineStore } from './engine'
import { useMcpStore } from './mcp'
import { useModelsStore } from './models'
import { useSettingsStore, type SettingsSnapshot } from './settings'
import { TOOLS_OF_SWITCH, TOOL_NAMES } from './settings-schema'

/** The user's settings as the core reads them. The OpenAI URL may be given with or without its `/v1`. */
export function configFromSettings(s: SettingsSnapshot): ManagerConfig {
  return {
    ...DEFAULT_MANAGER_CONFIG,
    geminiApiKey: s.geminiApiKey,
    geminiModel: s.geminiModel || DEFAULT_MANAGER_CONFIG.geminiModel,
    geminiBaseUrl: s.geminiBaseUrl,
    geminiKeyHost: s.geminiKeyHost,
    streamIdleTimeoutMs: s.streamIdleTimeoutSec * 1000,
    openaiBaseUrl: s.openaiUrl.replace(/\/+$/, '').replace(/\/v1$/, ''),
    openaiModel: s.openaiModel,
    openaiApiKey: s.openaiKey,
    isFallbackEnabled: s.isGeminiFallbackOn,
    enabledTools: TOOL_NAMES.filter(name => s.tools[name]).flatMap(name => TOOLS_OF_SWITCH[name]),
    toolUse: s.toolUse,
  }
}

/**
 * Who answers the next message under these settings: the chosen cloud backend; else the loaded local model; else, on
 * Auto ("local model, else fallback") with fallback on and a Gemini key, Gemini. null when nothing can answer yet.
 */
export function answeringBackend(s: Pick<SettingsSnapshot, 'backend' | 'isGeminiFallbackOn' | 'geminiApiKey'>, hasLocalModel: boolean): ServiceId | null {
  if (s.backend === 'gemini' || s.backend === 'openai-compat')
    return s.backend
  if (hasLocalModel)
    return 'wllama'
  return s.backend === 'auto' && s.isGeminiFallbackOn && !!s.geminiApiKey ? 'gemini' : null
}

export const useModelManagerStore = defineStore('modelManager', () => {
  const status = ref<ManagerStatus>('idle')
  const serviceId = ref<ServiceId | null>(null)
  const model = shallowRef<ModelRef | undefined>()
  const error = shallowRef<AppError | null>(null)
  const progress = shallowRef<Progress | null>(null)
  /** Shown when Gemini took over a failed local turn; cleared by the UI or the next turn. */
  const notice = ref<string | null>(null)
  /** Steps of the turn in progress, for the UI to render as they happen. */
  const liveSteps = ref<AgentStep[]>([])
  /** Model names the configured OpenAI-compatible server reports (`GET /v1/models`); [] until listed or when it fails. */
  const serverModels = ref<string[]>([])
  let core: ModelManager | null = null

  /** Builds the core once; later calls replace it (tests, a new worker connection). */
  function init(opts: ManagerOptions): ModelManager {
    core = markRaw(new ModelManager(opts))
    core.on((e) => {
      if (e.type === 'status') {
        status.value = e.status
        serviceId.value = e.serviceId
        model.value = e.model
        error.value = e.error ?? null
      }
      else if (e.type === 'progress') {
        progress.value = e.progress
      }
      else if (e.type === 'fallback') {
        notice.value = `The local model failed (${e.reason.message}). Gemini answered this message instead.`
      }
    })
    return core
  }

  /** The app's core: the worker's wllama service as the local backend, the settings store as the config. */
  function ensureInit(): ModelManager {
    if (core)
      return core
    const engine = useEngineStore()
    const settings = useSettingsStore()
    const mcp = useMcpStore()
    // MCP tools are listed before each turn that offers tools; a server left out is said in the notice above the chat.
    const extraTools = async (signal?: AbortSignal) => {
      const turn = await mcp.toolsForTurn(signal)
      if (turn.notices.length)
        notice.value = turn.notices.join(' ')
      return turn.tools
    }
    return init({ local: { wllama: engine.localService() }, config: () => configFromSettings(settings.snapshot()), extraTools })
  }

  function requireCore(): ModelManager {
    if (!core)
      throw new AppError('model_not_loaded', 'The model manager is not initialised yet.')
    return core
  }

  /**
   * Selects the backend the settings ask for, before a turn (see answeringBackend): the loaded local model for Auto /
   * Local CPU / Local GPU (already loaded by the library, so nothing reloads), or the configured cloud model.
   * @throws AppError 'model_not_loaded' when nothing can answer (a local backend and no model loaded)
   */
  async function selectFromSettings(signal?: AbortSignal): Promise<ServiceId> {
    const manager = ensureInit()
    const s = useSettingsStore().snapshot()
    const loaded = useModelsStore().loaded
    const target = answeringBackend(s, !!loaded)
    if (!target)
      throw new AppError('model_not_loaded')
    if (target === 'wllama')
      await manager.select('wllama', loaded!.model, { signal })
    else
      await manager.select(target, target === 'gemini' ? (s.geminiModel || DEFAULT_MANAGER_CONFIG.geminiModel) : (s.openaiModel || serverModels.value[0] || ''), { signal })
    return target
  }

  /** Picks the backend and model for the next turns; the conversation is kept. @throws AppError from the backend */
  async function select(id: ServiceId, m: ModelRef | string, opts?: { signal?: AbortSignal }): Promise<void> {
    await requireCore().select(id, m, opts)
  }

  /** Runs one agent turn (tools included) on the selected backend, with fallback to Gemini when allowed. */
  async function runTurn(req: TurnRequest): Promise<TurnResult> {
    notice.value = null
    liveSteps.value = []
    return requireCore().runTurn({ ...req, onStep: (s) => { liveSteps.value.push(s); req.onStep?.(s) } })
  }

  /**
   * Asks the configured OpenAI-compatible server which models it serves, for the picker; with no model name set, the
   * first one answers. A server that cannot be reached lists nothing (the turn itself then says why).
   */
  async function listServerModels(signal?: AbortSignal): Promise<string[]> {
    const service = ensureInit().service('openai-compat')
    try {
      serverModels.value = service instanceof OpenAICompatService ? await service.listModels(signal) : []
    }
    catch {
      serverModels.value = []
    }
    return serverModels.value
  }

  function dismissNotice(): void {
    notice.value = null
  }

  /** Who answers the next message (reactive); null disables the composer. */
  const answerer = computed(() => {
    const settings = useSettingsStore()
    return answeringBackend({ backend: settings.backend, isGeminiFallbackOn: settings.isGeminiFallbackOn, geminiApiKey: settings.geminiApiKey }, !!useModelsStore().loaded)
  })

  return { status, serviceId, model, error, progress, notice, liveSteps, answerer, serverModels, init, ensureInit, select, selectFromSettings, runTurn, listServerModels, dismissNotice }
})
