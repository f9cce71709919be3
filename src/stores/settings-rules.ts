/**
 * The kinds of rule a setting can have and how a value is checked against one, in the words shown under the field.
 * Framework-free like settings-schema.ts, which gives every setting its rule (SETTING_RULES).
 */
import type { McpServerConfig } from '../agent/tools/mcp/types'
import { endpointProblem } from '../shared/origin'

/**
 * What a field holds and the values it accepts. The form derives its control from the kind (number box, address,
 * list, switch, text) and its min/max from the rule, and the store refuses any value the rule rejects, so a field
 * cannot show one limit and enforce another.
 * - `integer` / `number`: finite numbers from `min` to `max` (`isMinExclusive`: above `min`); integers have no decimals.
 * - `url`: '' or a plain http(s) address (src/shared/origin.ts: its origin goes into the CSP, so no wildcard, `;`,
 *   spaces, user name or query); `example` is shown in the message.
 * - `choice`: one of `choices`. `switch`: true or false. `text`: at most `maxLength` characters, matching `pattern`.
 * - `list`: a structured value (tool switches, MCP servers) checked by `check`, which returns the reason or undefined.
 */
export type SettingRule =
  | { kind: 'integer', min: number, max: number }
  | { kind: 'number', min: number, max: number, isMinExclusive?: boolean }
  | { kind: 'url', example: string }
  | { kind: 'choice', choices: readonly string[] }
  | { kind: 'switch' }
  | { kind: 'text', maxLength: number, pattern?: RegExp, patternHint?: string }
  | { kind: 'list', check: (v: unknown) => string | undefined }

/** Most MCP servers kept. */
export const MAX_MCP_SERVERS = 20

function namesList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 500 && v.every(n => typeof n === 'string' && n.length <= 200)
}

/** Why the MCP server list is not valid, naming the first bad server, or undefined. */
export function mcpServersProblem(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length > MAX_MCP_SERVERS)
    return `MCP servers must be a list of at most ${MAX_MCP_SERVERS}.`
  for (const [i, s] of (v as Array<Partial<McpServerConfig>>).entries()) {
    const which = `MCP server ${i + 1}`
    if (!s || typeof s !== 'object' || typeof s.id !== 'string' || !/^[\w-]{1,40}$/.test(s.id))
      return `${which} is not a server entry.`
    if (endpointProblem(s.url) !== undefined)
      return `${which}: the URL must be a plain address starting with http:// or https://, such as http://127.0.0.1:3001/mcp, with no spaces, *, ;, user name or query.`
    if (typeof s.name !== 'string' || s.name.length > 60)
      return `${which}: the name must be text of at most 60 characters.`
    if (typeof s.token !== 'string' || s.token.length > 2000 || /[\s]/.test(s.token))
      return `${which}: the token must be at most 2000 characters without spaces or line breaks.`
    if (typeof s.isEnabled !== 'boolean' || !namesList(s.disabledTools) || !namesList(s.allowedTools))
      return `${which} is not a server entry.`
  }
  return undefined
}

/** Why `v` breaks `rule`, in the words shown under the field (e.g. "Between 0 and 2."), or undefined when it fits. */
export function ruleProblem(rule: SettingRule, v: unknown): string | undefined {
  switch (rule.kind) {
    case 'integer':
    case 'number': {
      const isWhole = rule.kind === 'integer'
      const range = rule.kind === 'number' && rule.isMinExclusive ? `Above ${rule.min} and at most ${rule.max}` : `Between ${rule.min} and ${rule.max}`
      if (typeof v !== 'number' || !Number.isFinite(v))
        return `${range}: enter a ${isWhole ? 'whole ' : ''}number.`
      const isBelow = rule.kind === 'number' && rule.isMinExclusive ? v <= rule.min : v < rule.min
      if (isBelow || v > rule.max)
        return `${range}.`
      return isWhole && !Number.isInteger(v) ? `${range}, a whole number (no decimals).` : undefined
    }
    case 'url':
      return v === '' || endpointProblem(v) === undefined
        ? undefined
        : `Start with http:// or https://, such as ${rule.example}, with no spaces, *, ; or user name; or leave it empty.`
    case 'choice':
      return rule.choices.includes(v as string) ? undefined : `Pick one of: ${rule.choices.join(', ')}.`
    case 'switch':
      return typeof v === 'boolean' ? undefined : 'On or off.'
    case 'text':
      if (typeof v !== 'string' || v.length > rule.maxLength)
        return `At most ${rule.maxLength} characters.`
      return rule.pattern && !rule.pattern.test(v) ? rule.patternHint : undefined
    case 'list':
      return rule.check(v)
  }
}
