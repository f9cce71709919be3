/**
 * One MCP server over the Streamable HTTP transport, through the official SDK (Client + StreamableHTTPClientTransport):
 * connect, list the tools, call one. The SDK is loaded on first use, so it stays out of the first-load bundle; its
 * output-schema checks use @cfworker/json-schema because the CSP forbids the ajv compiler it would use by default.
 * Every failure is an AppError with a code (src/shared/errors.ts): the store shows it, the agent reads it as an
 * observation. After a failure the next request connects again.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { AppError } from '../../../shared/errors'
import type { McpCaller } from './types'

/** Default limit for connecting and listing tools, in milliseconds. */
export const DEFAULT_MCP_LIST_TIMEOUT_MS = 10_000
/** Longest observation kept from one call, in characters; the rest is cut with a note. */
export const MAX_MCP_RESULT_CHARS = 8000

/** What the app tells servers about itself in `initialize`. */
const CLIENT_INFO = { name: 'local-ai-assistant', version: '0.1.0' }

/** A tool as `tools/list` returns it, before the app checks it. */
export interface ListedTool {
  name: string
  description?: string
  inputSchema: Record<string, unknown>
}

export interface McpConnectionOptions {
  /** The Streamable HTTP endpoint. */
  url: string
  /** Bearer token; '' sends no Authorization header. */
  token?: string
  /** Limit for connecting and listing, in ms. Default {@link DEFAULT_MCP_LIST_TIMEOUT_MS}. Calls use their signal. */
  listTimeoutMs?: number
  /** Default the global fetch; tests pass their own. */
  fetch?: typeof fetch
}

/** What a failed request means for the person: which code, and a message naming the server. */
export function mcpError(err: unknown, url: string): AppError {
  if (err instanceof AppError)
    return err
  const e = err instanceof Error ? err : new Error(String(err))
  const code = (e as { code?: unknown }).code
  const where = `the MCP server at ${url}`
  if (e.name === 'AbortError')
    return new AppError('aborted', undefined, { cause: e })
  if (code === -32001 || e.name === 'TimeoutError')
    return new AppError('timeout', `${where} did not answer in time.`, { cause: e })
  if (code === 401 || code === 403 || e.constructor.name === 'UnauthorizedError')
    return new AppError('mcp_rejected', `${where} refused the request (HTTP ${typeof code === 'number' ? code : 401}): check its token in Settings.`, { cause: e })
  if (e instanceof TypeError || typeof code === 'number' && code >= 404 && code < 600)
    return new AppError('mcp_unreachable', `${where} could not be reached${typeof code === 'number' ? ` (HTTP ${code})` : ''}: ${e.message}`, { cause: e })
  return new AppError('bad_response', `${where} sent something the app could not read: ${e.message}`, { cause: e })
}

/** Text of a `tools/call` result: text parts joined, other parts named, cut at {@link MAX_MCP_RESULT_CHARS}. */
export function resultText(content: unknown): string {
  const parts = Array.isArray(content) ? content as Array<{ type?: string, text?: unknown }> : []
  const text = parts.map(p => (p.type === 'text' && typeof p.text === 'string' ? p.text : `[${String(p.type ?? 'unknown')} content not shown]`)).join('\n')
  return text.length > MAX_MCP_RESULT_CHARS ? `${text.slice(0, MAX_MCP_RESULT_CHARS)}\n[cut: the result had ${text.length} characters]` : text
}

export class McpConnection implements McpCaller {
  private client: Promise<Client> | null = null

  constructor(private readonly opts: McpConnectionOptions) {}

  private connect(signal?: AbortSignal): Promise<Client> {
    this.client ??= (async () => {
      const [{ Client }, { StreamableHTTPClientTransport }, { CfWorkerJsonSchemaValidator }] = await Promise.all([
        import('@modelcontextprotocol/sdk/client/index.js'),
        import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
        import('@modelcontextprotocol/sdk/validation/cfworker'),
      ])
      const client = new Client(CLIENT_INFO, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() })
      const headers: Record<string, string> = this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {}
      const transport = new StreamableHTTPClientTransport(new URL(this.opts.url), { requestInit: { headers }, ...(this.opts.fetch && { fetch: this.opts.fetch }) })
      await client.connect(transport, { signal, timeout: this.opts.listTimeoutMs ?? DEFAULT_MCP_LIST_TIMEOUT_MS })
      return client
    })()
    // A failed connection is not kept: the next request tries again.
    this.client.catch(() => { this.client = null })
    return this.client
  }

  /**
   * Connects if needed and lists the server's tools (every page).
   * @throws AppError 'mcp_unreachable' | 'mcp_rejected' | 'timeout' | 'bad_response' | 'aborted'
   */
  async listTools(signal?: AbortSignal): Promise<ListedTool[]> {
    const timeout = this.opts.listTimeoutMs ?? DEFAULT_MCP_LIST_TIMEOUT_MS
    try {
      const client = await this.connect(signal)
      const tools: ListedTool[] = []
      let cursor: string | undefined
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { signal, timeout })
        tools.push(...page.tools.map(t => ({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> })))
        cursor = page.nextCursor
      } while (cursor && tools.length < 1000)
      return tools
    }
    catch (err) {
      await this.reset()
      throw mcpError(err, this.opts.url)
    }
  }

  /** {@inheritDoc McpCaller.callTool} */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    let result: { content?: unknown, isError?: boolean, structuredContent?: unknown }
    try {
      const client = await this.connect(signal)
      // The registry's time limit aborts `signal`; the SDK's own limit is only a backstop.
      result = await client.callTool({ name, arguments: args }, undefined, { signal, timeout: 10 * 60_000 }) as typeof result
    }
    catch (err) {
      const app = mcpError(err, this.opts.url)
      if (app.code !== 'aborted' && app.code !== 'timeout')
        await this.reset()
      throw app
    }
    const text = resultText(result.content) || (result.structuredContent !== undefined ? JSON.stringify(result.structuredContent) : '')
    if (result.isError)
      throw new Error(text || 'the tool reported an error without a message')
    return text || '(the tool returned nothing)'
  }

  /** Closes the session; the next request connects again. Never throws. */
  async reset(): Promise<void> {
    const pending = this.client
    this.client = null
    const client = await pending?.catch(() => null)
    await client?.close().catch((err: unknown) => console.warn('Closing an MCP connection failed', err))
  }
}
