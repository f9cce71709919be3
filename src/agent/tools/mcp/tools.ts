/**
 * MCP tools as agent tools: each listed tool is checked (a name every backend accepts, not taken, a usable arguments
 * schema) and wrapped so the registry validates its arguments, asks before it runs (unless the person allowed it) and
 * limits its time like any built-in tool. A tool that fails the checks is kept with its `problem`, for Settings to
 * show, and never offered to the model.
 */
import type { Tool } from '../tool'
import type { ListedTool } from './client'
import { toolSchemaProblem } from './schema'
import type { McpCaller, McpServerConfig, McpToolInfo } from './types'
import { hostOf } from '../../../shared/origin'

/** Names OpenAI-compatible servers and Gemini both accept for a function. */
const USABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
/** Longest description passed to the model, in characters. */
const MAX_DESCRIPTION_CHARS = 1000

/** The server's label: its name, else the host of its URL. */
export function serverLabel(server: Pick<McpServerConfig, 'name' | 'url'>): string {
  if (server.name.trim())
    return server.name.trim()
  return hostOf(server.url)
}

/**
 * Checks each listed tool. `taken` holds names already offered (the built-in tools, earlier servers' tools); a tool
 * whose name is in it gets a problem rather than shadowing that tool.
 */
export function checkTools(listed: readonly ListedTool[], taken: ReadonlySet<string>): McpToolInfo[] {
  const seen = new Set<string>()
  return listed.map((t) => {
    const info = { name: t.name, description: t.description ?? '', inputSchema: t.inputSchema }
    const schemaProblem = toolSchemaProblem(t.inputSchema)
    const problem = !USABLE_NAME.test(t.name)
      ? 'its name is not usable as a function name (letters, digits, _ and -, at most 64)'
      : taken.has(t.name) || seen.has(t.name)
        ? 'another tool already has this name'
        : schemaProblem && `invalid arguments schema: ${schemaProblem}`
    seen.add(t.name)
    return problem ? { ...info, problem } : info
  })
}

/**
 * The agent tools of one server: its usable tools that the person left on. Each asks before every call unless its
 * name is in `server.allowedTools`; what it returns is the observation the model reads.
 */
export function agentTools(server: McpServerConfig, tools: readonly McpToolInfo[], caller: McpCaller): Tool[] {
  const label = serverLabel(server)
  return tools
    .filter(t => !t.problem && !server.disabledTools.includes(t.name))
    .map(t => ({
      name: t.name,
      description: `${(t.description || t.name).slice(0, MAX_DESCRIPTION_CHARS)} (tool of the MCP server ${label})`,
      summary: (t.description || t.name).split(/(?<=\.)\s/)[0]!.slice(0, 120),
      parameters: t.inputSchema,
      // The app cannot know what a server's tool changes, so each call is confirmed unless the person allowed it.
      hasSideEffects: !server.allowedTools.includes(t.name),
      run: (args, ctx) => caller.callTool(t.name, args, ctx.signal),
    }))
}
