/** The Settings tool switches reach the agent: each switch enables exactly the built-in tools it names. */
import { describe, expect, it } from 'vitest'
import { builtinTools } from '../../../src/agent/tools/registry'
import { configFromSettings } from '../../../src/stores/manager'
import { DEFAULT_SETTINGS, TOOLS_OF_SWITCH, TOOL_NAMES, type SettingsSnapshot } from '../../../src/stores/settings-schema'

const snapshot = (tools: Partial<SettingsSnapshot['tools']> = {}): SettingsSnapshot =>
  ({ ...DEFAULT_SETTINGS, geminiApiKey: '', tools: { ...DEFAULT_SETTINGS.tools, ...tools } }) as SettingsSnapshot

describe('tool switches', () => {
  it('cover every built-in tool exactly once, and name only tools that exist', () => {
    const builtin = builtinTools().map(t => t.name).sort()
    const switched = TOOL_NAMES.flatMap(name => TOOLS_OF_SWITCH[name]).sort()
    expect(switched).toEqual(builtin)
  })

  it('all on by default: the agent gets every built-in tool', () => {
    expect(configFromSettings(snapshot()).enabledTools?.slice().sort()).toEqual(builtinTools().map(t => t.name).sort())
  })

  it.each([
    ['notes', ['save_note', 'search_notes']],
    ['unit_convert', ['convert_units']],
    ['calculator', ['calculator']],
    ['datetime', ['datetime']],
  ] as const)('switching %s off removes %j and nothing else', (name, removed) => {
    const enabled = configFromSettings(snapshot({ [name]: false })).enabledTools ?? []
    expect(enabled.filter(t => (removed as readonly string[]).includes(t))).toEqual([])
    expect(enabled).toHaveLength(builtinTools().length - removed.length)
  })
})
