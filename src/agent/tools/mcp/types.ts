/** The shapes MCP tools share between settings, the client adapter and the store. Framework-free. */

/** One MCP server as the person configured it in Settings (saved with the other settings on this device). */
export interface McpServerConfig {
  /** Stable id made when the server is added; keys its status and connection. */
  id: string
  /** A short label the person chose, shown in Settings and in the tools' descriptions; '' = the URL's host. */
  name: string
  /** The Streamable HTTP endpoint, e.g. `http://127.0.0.1:3001/mcp`; a plain http(s) address (src/shared/origin.ts). */
  url: string
  /** Optional bearer token, sent as `Authorization: Bearer <token>` to this server only; '' = none. */
  token: string
  /** The server's tools are offered to the agent. Default true when added. */
  isEnabled: boolean
  /** Tool names (as the server names them) the person switched off. A tool is on unless listed here. */
  disabledTools: string[]
  /** Tool names that run without asking first. Every other tool of the server asks before each call. */
  allowedTools: string[]
}

/** A tool as the server lists it, after the app checked it. */
export interface McpToolInfo {
  /** The server's name for it. */
  name: string
  /** The server's description; '' when it gave none. */
  description: string
  /** The JSON Schema of its arguments, as sent. */
  inputSchema: Record<string, unknown>
  /** Why the agent cannot use it (invalid schema, unusable or taken name); undefined when it can. */
  problem?: string
}

/** What the agent calls on a server: one tool call, its observation text back. */
export interface McpCaller {
  /**
   * Runs tool `name` on the server with `args`.
   * @returns the result's text content joined (other content types are named, not included)
   * @throws Error with the server's text when the tool reports an error (`isError`); AppError 'mcp_unreachable' |
   *   'mcp_rejected' | 'timeout' | 'bad_response' | 'aborted' when the call itself fails
   */
  callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<string>
}
