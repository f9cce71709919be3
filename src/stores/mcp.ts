/**
 * MCP servers at run time: one connection per configured server (src/agent/tools/mcp/client.ts), the tools each one
 * lists (checked: src/agent/tools/mcp/tools.ts), and its state for Settings to show. The agent asks for
 * `toolsForTurn()` before each turn that offers tools; a server that cannot be reached is left out and named in the
 * turn's notices, never an exception and never a stuck turn. Configuration lives in the settings (`mcpServers`).
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { McpConnection } from '../agent/tools/mcp/client'
import { agentTools, checkTools, serverLabel } from '../agent/tools/mcp/tools'
import type { McpServerConfig, McpToolInfo } from '../agent/tools/mcp/types'
import { BUILTIN_TOOL_NAMES } from '../agent/tools/builtin-names'
import type { Tool } from '../agent/tools/tool'
import { toAppError, type ErrorCode } from '../shared/errors'
import { useSettingsStore } from './settings'

/** Limit for connecting and listing tools before a turn, in ms: a silent server delays an answer by at most this. */
export const TURN_LIST_TIMEOUT_MS = 5000

/** What Settings shows for one server. */
export interface McpServerState {
  status: 'idle' | 'connecting' | 'ready' | 'error'
  /** The tools it listed, each with its `problem` when the agent cannot use it. */
  tools: McpToolInfo[]
  /** Why the last attempt failed (status 'error'). */
  error?: { code: ErrorCode, message: string }
  /** The URL and token the state belongs to: a change of either needs a new listing. */
  key: string
}

/** The tools of a turn, and what to tell the person about servers left out. */
export interface McpTurnTools {
  tools: Tool[]
  /** One sentence per server that could not be used, with its error code. */
  notices: string[]
}

function keyOf(server: McpServerConfig): string {
  return `${server.url}\n${server.token}`
}

export const useMcpStore = defineStore('mcp', () => {
  const states = ref<Record<string, McpServerState>>({})
  /** Not reactive: connections hold SDK objects. */
  const connections = new Map<string, { key: string, connection: McpConnection }>()

  function connectionFor(server: McpServerConfig): McpConnection {
    const existing = connections.get(server.id)
    if (existing?.key === keyOf(server))
      return existing.connection
    void existing?.connection.reset()
    const connection = new McpConnection({ url: server.url, token: server.token, listTimeoutMs: TURN_LIST_TIMEOUT_MS })
    connections.set(server.id, { key: keyOf(server), connection })
    return connection
  }

  /** Names the server's tools may not take: the built-in tools' and other ready servers' usable tools'. */
  function takenNames(serverId: string): Set<string> {
    const names = new Set(BUILTIN_TOOL_NAMES)
    for (const [id, state] of Object.entries(states.value)) {
      if (id !== serverId && state.status === 'ready')
        state.tools.filter(t => !t.problem).forEach(t => names.add(t.name))
    }
    return names
  }

  /** Connects to `server` and lists its tools again; the result is in `states[server.id]`. Never throws. */
  async function refresh(server: McpServerConfig, signal?: AbortSignal): Promise<McpServerState> {
    const key = keyOf(server)
    states.value[server.id] = { status: 'connecting', tools: states.value[server.id]?.tools ?? [], key }
    let next: McpServerState
    try {
      const listed = await connectionFor(server).listTools(signal)
      next = { status: 'ready', tools: checkTools(listed, takenNames(server.id)), key }
    }
    catch (err) {
      const e = toAppError(err)
      next = { status: 'error', tools: [], error: { code: e.code, message: e.message }, key }
    }
    states.value[server.id] = next
    return next
  }

  /** Forgets a removed server's state and closes its connection. */
  function forget(serverId: string): void {
    void connections.get(serverId)?.connection.reset()
    connections.delete(serverId)
    delete states.value[serverId]
  }

  /**
   * The tools of the enabled servers for one turn, the person's per-tool switches applied. Each server is listed again
   * (at most {@link TURN_LIST_TIMEOUT_MS}; the connection is kept): a server that went down since is left out with a
   * notice rather than offering tools that cannot run, and a server's changed tools are seen at once. Never throws.
   */
  async function toolsForTurn(signal?: AbortSignal): Promise<McpTurnTools> {
    const servers = useSettingsStore().snapshot().mcpServers.filter(s => s.isEnabled)
    const notices: string[] = []
    const tools: Tool[] = []
    for (const server of servers) {
      const state = await refresh(server, signal)
      if (state.status === 'error') {
        notices.push(`The MCP server ${serverLabel(server)} was left out of this answer: ${state.error?.message} (${state.error?.code}).`)
        continue
      }
      const names = new Set(tools.map(t => t.name))
      tools.push(...agentTools(server, state.tools, connectionFor(server)).filter(t => !names.has(t.name)))
    }
    return { tools, notices }
  }

  return { states, refresh, forget, toolsForTurn }
})
