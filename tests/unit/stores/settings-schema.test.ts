/** Every setting is checked by the rule settings-schema.ts gives it, and refused values get a reason in plain words. */
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS, GROUP_OF_SETTING, SETTING_RULES, SETTINGS_GROUPS, ruleProblem, settingsOfGroup, validateSettings,
  type UserSettings,
} from '../../../src/stores/settings-schema'

const KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof UserSettings>
const withValue = (key: keyof UserSettings, v: unknown) => validateSettings({ ...DEFAULT_SETTINGS, [key]: v } as UserSettings)[key]

describe('settings rules', () => {
  it('gives the reason at the field in plain words', () => {
    expect(withValue('temperature', 5)).toBe('Between 0 and 2.')
    expect(withValue('temperature', '')).toBe('Between 0 and 2: enter a number.')
    expect(withValue('maxTokens', 2.5)).toBe('Between 1 and 32768, a whole number (no decimals).')
    expect(withValue('topP', 0)).toBe('Above 0 and at most 1.')
    expect(withValue('hubUrl', 'huggingface.co')).toMatch(/^Start with http:\/\/ or https:\/\/, such as https:\/\/huggingface.co/)
    expect(withValue('backend', 'cloud')).toBe('Pick one of: auto, local-cpu, local-gpu, gemini, openai-compat.')
    expect(withValue('chatTemplate', 'chat ml')).toBe('A template name such as chatml, or empty.')
  })

  it('has a rule and a group for every setting, and the defaults pass', () => {
    expect(Object.keys(SETTING_RULES).sort()).toEqual([...KEYS].sort())
    expect(validateSettings(DEFAULT_SETTINGS)).toEqual({})
    expect(SETTINGS_GROUPS.flatMap(settingsOfGroup).sort()).toEqual([...KEYS].sort())
    for (const key of KEYS)
      expect(SETTINGS_GROUPS, key).toContain(GROUP_OF_SETTING[key])
  })

  it('refuses every numeric field outside its range and accepts its bounds', () => {
    const numeric = KEYS.filter(k => SETTING_RULES[k].kind === 'integer' || SETTING_RULES[k].kind === 'number')
    expect(numeric).toEqual(expect.arrayContaining(['temperature', 'topP', 'topK', 'maxTokens', 'nCtx', 'nThreads', 'gpuLayers', 'streamIdleTimeoutSec', 'idleUnloadMinutes']))
    for (const key of numeric) {
      const rule = SETTING_RULES[key] as { min: number, max: number, isMinExclusive?: boolean }
      expect(withValue(key, rule.max), `${key} at max`).toBeUndefined()
      expect(withValue(key, rule.isMinExclusive ? rule.min + 0.01 : rule.min), `${key} at min`).toBeUndefined()
      expect(withValue(key, rule.max + 1), `${key} above`).toMatch(/^(Between|Above) /)
      expect(withValue(key, rule.min - 1), `${key} below`).toMatch(/^(Between|Above) /)
      expect(withValue(key, Number.NaN), `${key} not a number`).toMatch(/enter a (whole )?number\.$/)
    }
  })

  it('refuses a bad address in every URL field and a value off the list in every choice field', () => {
    const urls = KEYS.filter(k => SETTING_RULES[k].kind === 'url')
    expect(urls.sort()).toEqual(['geminiBaseUrl', 'hubUrl', 'openaiUrl'])
    for (const key of urls) {
      expect(withValue(key, ''), key).toBeUndefined()
      expect(withValue(key, 'https://example.org/v1'), key).toBeUndefined()
      expect(withValue(key, 'http://x;img-src *'), key).toMatch(/^Start with http/)
    }
    const choices = KEYS.filter(k => SETTING_RULES[k].kind === 'choice')
    expect(choices.sort()).toEqual(['backend', 'gpuMode', 'historyPolicy', 'theme', 'toolUse'])
    for (const key of choices)
      expect(withValue(key, 'something-else'), key).toMatch(/^Pick one of: /)
  })

  it('accepts nothing but a number in a number field', () => {
    expect(ruleProblem({ kind: 'integer', min: 0, max: 9 }, '3')).toBe('Between 0 and 9: enter a whole number.')
    expect(ruleProblem({ kind: 'number', min: 0, max: 9 }, Number.POSITIVE_INFINITY)).toBe('Between 0 and 9: enter a number.')
  })
})
