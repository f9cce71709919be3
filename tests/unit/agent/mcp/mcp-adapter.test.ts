/**
 * The MCP client adapter against a real MCP server built with the official SDK (tests/fixtures/mcp-server.ts): tools
 * listed and checked, arguments validated without code generation, consent before each call unless allowed, and every
 * failure (server down, token refused, tool error, time limit) an AppError code or an error observation.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { McpConnection, resultText } from '../../../../src/agent/tools/mcp/client'
import { compileWithoutEval, toolSchemaProblem } from '../../../../src/agent/tools/mcp/schema'
import { agentTools, checkTools } from '../../../../src/agent/tools/mcp/tools'
import type { McpServerConfig } from '../../../../src/agent/tools/mcp/types'
import { builtinTools, ToolRegistry } from '../../../../src/agent/tools/registry'
import { AppError } from '../../../../src/shared/errors'
import { startMcpServer, type McpFixture } from '../../../fixtures/mcp-server'

let fixture: McpFixture | undefined
const connections: McpConnection[] = []
afterEach(async () => {
  await Promise.all(connections.splice(0).map(c => c.reset()))
  await fixture?.close()
  fixture = undefined
})

function connect(opts: ConstructorParameters<typeof McpConnection>[0]): McpConnection {
  const c = new McpConnection(opts)
  connections.push(c)
  return c
}

function serverConfig(over: Partial<McpServerConfig> = {}): McpServerConfig {
  return { id: 's1', name: 'Fixture', url: fixture?.url ?? '', token: '', isEnabled: true, disabledTools: [], allowedTools: [], ...over }
}

/** The fixture's tools in a registry, as the model manager builds it. */
async function registryFor(config: Partial<McpServerConfig> = {}, timeoutMs?: number) {
  const c = connect({ url: fixture!.url })
  const tools = agentTools(serverConfig(config), checkTools(await c.listTools(), new Set(builtinTools().map(t => t.name))), c)
  return new ToolRegistry([...builtinTools(), ...tools], { compile: compileWithoutEval, timeoutMs })
}

/** Rejects with the AppError's code. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(AppError)
  return (err as AppError).code
}

describe('tool schemas', () => {
  it('accepts object schemas and says what is wrong with others', () => {
    expect(toolSchemaProblem({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] })).toBeUndefined()
    expect(toolSchemaProblem({ type: 'string' })).toMatch(/type: "object"/)
    expect(toolSchemaProblem({ type: 'object', properties: { q: { type: 'strng' } } })).toMatch(/#\/properties\/q\/type/)
    expect(toolSchemaProblem({ type: 'object', required: 'q' })).toMatch(/required/)
    expect(toolSchemaProblem({ type: 'object', properties: { q: { $ref: 'https://example.com/s.json' } } })).toMatch(/outside/)
    expect(toolSchemaProblem(null)).toMatch(/not an object/)
  })

  it('validates arguments without new Function and reports where they fail', () => {
    const spy = vi.spyOn(globalThis, 'Function')
    const validate = compileWithoutEval({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'], additionalProperties: false })
    expect(validate({ n: 3 })).toBe(true)
    expect(validate({ n: 0 })).toBe(false)
    expect(validate.errors?.[0]?.instancePath).toBe('/n')
    expect(validate({})).toBe(false)
    expect(validate.errors?.map(e => e.message).join(' ')).toMatch(/n/)
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
  })

  it('a listed tool with an unusable name, a taken name or an invalid schema is kept with its problem and not offered', () => {
    const checked = checkTools([
      { name: 'good', inputSchema: { type: 'object' } },
      { name: 'has space', inputSchema: { type: 'object' } },
      { name: 'calculator', inputSchema: { type: 'object' } },
      { name: 'broken', inputSchema: { type: 'object', properties: { a: { type: 7 } } } },
    ], new Set(['calculator']))
    expect(checked.map(t => [t.name, !!t.problem])).toEqual([['good', false], ['has space', true], ['calculator', true], ['broken', true]])
    expect(checked[3]!.problem).toMatch(/invalid arguments schema/)
    const caller = { callTool: vi.fn() }
    expect(agentTools(serverConfig(), checked, caller).map(t => t.name)).toEqual(['good'])
  })
})

describe('McpConnection against the SDK fixture server', () => {
  it('lists the tools with their JSON Schemas and calls one', async () => {
    fixture = await startMcpServer()
    const c = connect({ url: fixture.url, token: 'tok-123' })
    const tools = await c.listTools()
    expect(tools.map(t => t.name)).toEqual(['lookup_capital', 'create_ticket', 'check_inventory'])
    expect(tools[0]!.inputSchema).toMatchObject({ type: 'object', required: ['country'] })
    expect(checkTools(tools, new Set()).every(t => !t.problem)).toBe(true)
    expect(await c.callTool('lookup_capital', { country: 'Kenya' }, new AbortController().signal)).toBe('The capital of Kenya is Nairobi.')
    expect(fixture.authorizations.every(a => a === 'Bearer tok-123')).toBe(true)
  })

  it('the registry validates arguments before anything is sent', async () => {
    fixture = await startMcpServer()
    const registry = await registryFor({ allowedTools: ['create_ticket'] })
    const result = await registry.execute('create_ticket', { title: '', priority: 'urgent' })
    expect(result).toMatchObject({ isError: true, invalid: 'invalid_arguments' })
    expect(result.content).toMatch(/\/title|\/priority/)
    expect(fixture.calls).toEqual([])
  })

  it('asks before each call unless the tool is allowed; refused, nothing reaches the server', async () => {
    fixture = await startMcpServer()
    const registry = await registryFor({ allowedTools: ['lookup_capital'] })
    const confirm = vi.fn(async () => false)
    const refused = await registry.execute('create_ticket', { title: 'Fix the printer' }, { confirm })
    expect(refused).toEqual({ content: 'The user did not allow create_ticket to run.', isError: true })
    expect(confirm).toHaveBeenCalledWith({ name: 'create_ticket', args: { title: 'Fix the printer' } })
    expect(fixture.tickets).toEqual([])

    confirm.mockResolvedValue(true)
    const allowed = await registry.execute('create_ticket', { title: 'Fix the printer', priority: 'high' }, { confirm })
    expect(allowed).toEqual({ content: 'Created ticket #1: Fix the printer', isError: false })
    expect(fixture.tickets).toEqual([{ title: 'Fix the printer', priority: 'high' }])

    confirm.mockClear()
    expect(await registry.execute('lookup_capital', { country: 'Japan' }, { confirm })).toMatchObject({ content: 'The capital of Japan is Tokyo.', isError: false })
    expect(confirm).not.toHaveBeenCalled()
  })

  it('a tool error becomes an error observation with the server\'s words', async () => {
    fixture = await startMcpServer()
    const registry = await registryFor({ allowedTools: ['check_inventory'] })
    expect(await registry.execute('check_inventory', { item: 'bolts' })).toEqual({ content: 'check_inventory failed: The inventory database is offline.', isError: true })
  })

  it('a tool that never answers is cut at the time limit, and the next call still works', async () => {
    fixture = await startMcpServer({ withSlowTool: true })
    const registry = await registryFor({ allowedTools: ['slow_echo', 'lookup_capital'] }, 300)
    expect(await registry.execute('slow_echo', { text: 'hi' })).toEqual({ content: 'slow_echo did not finish within 300 ms.', isError: true })
    expect(await registry.execute('lookup_capital', { country: 'France' })).toMatchObject({ isError: false })
  })

  it('a server that is down is mcp_unreachable, a refused token mcp_rejected', async () => {
    fixture = await startMcpServer({ requireToken: 'right' })
    expect(await codeOf(connect({ url: fixture.url, token: 'wrong' }).listTools())).toBe('mcp_rejected')
    expect((await connect({ url: fixture.url, token: 'right' }).listTools()).length).toBe(3)
    const url = fixture.url
    await fixture.close()
    fixture = undefined
    expect(await codeOf(connect({ url }).listTools())).toBe('mcp_unreachable')
    const err = await connect({ url }).callTool('lookup_capital', { country: 'x' }, new AbortController().signal).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'mcp_unreachable' })
    expect((err as Error).message).toContain(url)
  })

  it('a server that accepts but never answers times out while listing', async () => {
    const silent: Server = createServer(() => {})
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`
      expect(await codeOf(connect({ url, listTimeoutMs: 300 }).listTools())).toBe('timeout')
    }
    finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it('result text: text parts joined, other parts named, long results cut', () => {
    expect(resultText([{ type: 'text', text: 'a' }, { type: 'image', data: 'x' }, { type: 'text', text: 'b' }])).toBe('a\n[image content not shown]\nb')
    expect(resultText([{ type: 'text', text: 'x'.repeat(9000) }])).toMatch(/\[cut: the result had 9000 characters\]$/)
    expect(resultText(undefined)).toBe('')
  })
})
