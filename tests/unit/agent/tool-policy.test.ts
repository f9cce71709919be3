/** The tool policy's table: setting x per-chat toggle x backend. */
import { describe, expect, it } from 'vitest'
import { OUT_OF_REACH_WHEN_PROMPTED, toolsOffered, toolsReason, toolsWithinReach, type ToolPolicyInput } from '../../../src/agent/tool-policy'

const CLOUD = { isLocal: false, hasNativeToolCalls: true, hasChatTemplate: true }
const LOCAL_TOOLS = { isLocal: true, hasNativeToolCalls: true, hasChatTemplate: true }
const LOCAL_PLAIN = { isLocal: true, hasNativeToolCalls: false, hasChatTemplate: true }
const BASE = { isLocal: true, hasNativeToolCalls: false, hasChatTemplate: false }

function input(over: Partial<ToolPolicyInput>): ToolPolicyInput {
  return { setting: 'auto', backend: LOCAL_PLAIN, anyToolEnabled: true, ...over }
}

describe('toolsOffered', () => {
  it.each([
    ['auto', CLOUD, true],
    ['auto', LOCAL_TOOLS, true],
    ['auto', LOCAL_PLAIN, false],
    ['auto', BASE, false],
    ['on', LOCAL_PLAIN, true],
    ['on', CLOUD, true],
    ['on', BASE, false],
    ['off', CLOUD, false],
    ['off', LOCAL_TOOLS, false],
  ] as const)('setting %s on %o -> %s', (setting, backend, expected) => {
    expect(toolsOffered(input({ setting, backend }))).toBe(expected)
  })

  it('the per-chat toggle wins over the setting, but never gives tools to a model without a chat template', () => {
    expect(toolsOffered(input({ setting: 'auto', backend: LOCAL_PLAIN, chatOverride: true }))).toBe(true)
    expect(toolsOffered(input({ setting: 'on', backend: CLOUD, chatOverride: false }))).toBe(false)
    expect(toolsOffered(input({ setting: 'off', backend: CLOUD, chatOverride: true }))).toBe(true)
    expect(toolsOffered(input({ backend: BASE, chatOverride: true }))).toBe(false)
  })

  it('no enabled tool means no tools, whatever the rest says', () => {
    expect(toolsOffered(input({ setting: 'on', backend: CLOUD, chatOverride: true, anyToolEnabled: false }))).toBe(false)
  })
})

describe('toolsReason', () => {
  it('says why, in words, for the Auto default on a small local model and on a cloud model', () => {
    expect(toolsReason(input({}))).toMatch(/^Tools off \(Auto\): this model's chat template has no tool calling/)
    expect(toolsReason(input({ backend: CLOUD }))).toMatch(/^Tools on \(Auto\)/)
    expect(toolsReason(input({ chatOverride: true }))).toMatch(/you turned them on/)
    expect(toolsReason(input({ backend: BASE }))).toMatch(/no chat template/)
    expect(toolsReason(input({ anyToolEnabled: false }))).toMatch(/switched off in Settings/)
  })
})

describe('toolsWithinReach', () => {
  const ALL = ['calculator', 'datetime', 'convert_units', 'save_note', 'search_notes', 'mcp_lookup']
  it('a prompted local model under Auto is not offered the tools the eval found out of its reach; Always offers them', () => {
    const within = toolsWithinReach(ALL, LOCAL_PLAIN, 'auto')
    expect(within).toEqual(ALL.filter(n => !OUT_OF_REACH_WHEN_PROMPTED.includes(n)))
    expect(within).toContain('calculator')
    expect(within).toContain('convert_units')
    expect(within).toContain('mcp_lookup')
    expect(within.length).toBeLessThan(ALL.length)
    expect(toolsWithinReach(ALL, LOCAL_PLAIN, 'on')).toEqual(ALL)
  })

  it('cloud models and local models with native tool calls get every enabled tool', () => {
    expect(toolsWithinReach(ALL, CLOUD, 'auto')).toEqual(ALL)
    expect(toolsWithinReach(ALL, LOCAL_TOOLS, 'auto')).toEqual(ALL)
  })
})
