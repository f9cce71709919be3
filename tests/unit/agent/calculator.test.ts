/** The calculator evaluates arithmetic and rejects everything else: it never runs what a model writes. */
import { describe, expect, it } from 'vitest'
import { evaluateArithmetic } from '../../../src/agent/tools/calculator'

describe('calculator', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 10', 1024],
    ['2 ** 3 ** 2', 512],
    ['-4 + +2', -2],
    ['10 % 4', 2],
    ['sqrt(16) + abs(-2)', 6],
    ['max(1, 5, 3) - min(4, 2)', 3],
    ['round(pi * 100) / 100', 3.14],
    ['1.5e3 / 3', 500],
  ])('evaluates %s = %d', (expr, value) => {
    expect(evaluateArithmetic(expr)).toBeCloseTo(value, 10)
  })

  it.each([
    'constructor',
    'process.exit(1)',
    'globalThis',
    'this',
    'alert(1)',
    'Math.sqrt(4)',
    'sqrt.constructor("return 1")()',
    '"a" + "b"',
    'x = 1',
    '1 && 2',
    '1 == 1',
    'true ? 1 : 2',
    '[1, 2]',
    '__proto__',
    'toString()',
    'hasOwnProperty(1)',
    '1; 2',
    'a.b',
    'new Date()',
    '(() => 1)()',
    '~1',
    '!0',
  ])('rejects %s', (expr) => {
    expect(() => evaluateArithmetic(expr)).toThrow()
  })

  it('rejects a result that is not finite and an overlong expression', () => {
    expect(() => evaluateArithmetic('1 / 0')).toThrow(/finite/)
    expect(() => evaluateArithmetic('1+'.repeat(150) + '1')).toThrow(/longer/)
  })
})
