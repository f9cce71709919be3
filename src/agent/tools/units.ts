/** Unit conversion: length, mass, volume, time, speed, data and temperature. Factors are exact SI definitions. */
import type { Tool } from './tool'

/** Factor to the dimension's base unit (metre, kilogram, litre, second, m/s, byte). */
const UNITS: Record<string, { dim: string, factor: number }> = {}
function define(dim: string, table: Record<string, number>) {
  for (const [name, factor] of Object.entries(table))
    UNITS[name] = { dim, factor }
}
define('length', { mm: 0.001, cm: 0.01, m: 1, km: 1000, in: 0.0254, ft: 0.3048, yd: 0.9144, mi: 1609.344 })
define('mass', { mg: 1e-6, g: 0.001, kg: 1, t: 1000, oz: 0.028349523125, lb: 0.45359237 })
define('volume', { ml: 0.001, l: 1, m3: 1000, tsp: 0.00492892159375, tbsp: 0.01478676478125, cup: 0.2365882365, gal: 3.785411784 })
define('time', { ms: 0.001, s: 1, min: 60, h: 3600, day: 86400, week: 604800 })
define('speed', { 'm/s': 1, 'km/h': 1 / 3.6, 'mph': 0.44704, 'kn': 1852 / 3600 })
define('data', { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 })

const TO_KELVIN: Record<string, (v: number) => number> = { C: v => v + 273.15, F: v => (v - 32) * 5 / 9 + 273.15, K: v => v }
const FROM_KELVIN: Record<string, (v: number) => number> = { C: v => v - 273.15, F: v => (v - 273.15) * 9 / 5 + 32, K: v => v }

/** Converts `value` from one unit to another. @throws Error for unknown units or different dimensions. */
export function convertUnits(value: number, from: string, to: string): number {
  const tf = TO_KELVIN[from]
  const ft = FROM_KELVIN[to]
  if (tf || ft) {
    if (!tf || !ft)
      throw new Error(`Cannot convert ${from} to ${to}: temperatures convert only to C, F or K.`)
    return ft(tf(value))
  }
  const a = UNITS[from]
  const b = UNITS[to]
  if (!a || !b)
    throw new Error(`Unknown unit "${!a ? from : to}". Known: ${[...Object.keys(UNITS), 'C', 'F', 'K'].join(', ')}.`)
  if (a.dim !== b.dim)
    throw new Error(`Cannot convert ${a.dim} (${from}) to ${b.dim} (${to}).`)
  return value * a.factor / b.factor
}

const UNIT_WORDS = 'convert|conversion|kilomet(?:er|re)s?|centimet(?:er|re)s?|millimet(?:er|re)s?|met(?:er|re)s?|miles?|inch(?:es)?|feet|foot|yards?|kilograms?|kilos?|grams?|pounds?|ounces?|tonnes?|tons?|millilit(?:er|re)s?|lit(?:er|re)s?|cups?|gallons?|teaspoons?|tablespoons?|minutes?|hours?|seconds?|weeks?|knots?|bytes?|kilobytes?|megabytes?|gigabytes?|celsius|fahrenheit|kelvin|degrees?'
const UNIT_SYMBOLS = [...Object.keys(UNITS), 'C', 'F', 'K'].sort((a, b) => b.length - a.length).map(s => s.replace(/[/]/g, '\\/')).join('|')

export const unitsTool: Tool = {
  name: 'convert_units',
  summary: 'convert units such as km, lb, C',
  // A unit's name, or a number followed by a unit symbol ("5 km", "2 GiB").
  cues: new RegExp(`\\b(?:${UNIT_WORDS})\\b|\\d\\s*(?:${UNIT_SYMBOLS})(?![\\w/])`, 'i'),
  description: 'Convert a value between units of length, mass, volume, time, speed, data size or temperature (C, F, K).',
  parameters: {
    type: 'object',
    properties: {
      value: { type: 'number' },
      from: { type: 'string', description: 'Unit symbol, e.g. km, lb, C, MiB.', maxLength: 8 },
      to: { type: 'string', description: 'Unit symbol.', maxLength: 8 },
    },
    required: ['value', 'from', 'to'],
    additionalProperties: false,
  },
  run: args => `${args.value} ${args.from} = ${Number(convertUnits(args.value as number, args.from as string, args.to as string).toPrecision(10))} ${args.to}`,
}
