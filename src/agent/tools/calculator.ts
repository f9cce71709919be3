/**
 * A calculator the model can call. jsep parses the expression to an AST (a small maintained parser: no grammar to
 * write, no code generated); we evaluate only numbers, arithmetic operators, parentheses and a few Math functions.
 * Anything else (names, members, strings, calls to other things, assignments) is rejected. Never eval or Function.
 */
import jsep from 'jsep'
import type { Tool } from './tool'

jsep.addBinaryOp('^', 11, true)
jsep.addBinaryOp('**', 11, true)

const BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
  '**': (a, b) => a ** b,
}

const FUNCTIONS: Record<string, (...x: number[]) => number> = {
  sqrt: Math.sqrt, abs: Math.abs, round: Math.round, floor: Math.floor, ceil: Math.ceil, min: Math.min, max: Math.max,
  pow: Math.pow, exp: Math.exp, ln: Math.log, log: Math.log10, log10: Math.log10, log2: Math.log2,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
}

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E }

/** Longest expression accepted, in characters: a bound on parse time. */
export const MAX_EXPRESSION_LENGTH = 200

/** Evaluates an arithmetic expression. @throws Error naming what is not allowed. */
export function evaluateArithmetic(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw new Error(`The expression is longer than ${MAX_EXPRESSION_LENGTH} characters.`)
  const value = evaluate(jsep(expression))
  if (!Number.isFinite(value))
    throw new Error('The result is not a finite number (division by zero?).')
  return value
}

function evaluate(node: jsep.Expression): number {
  switch (node.type) {
    case 'Literal': {
      const value = (node as jsep.Literal).value
      if (typeof value !== 'number')
        throw new Error('Only numbers are allowed.')
      return value
    }
    case 'Identifier': {
      const name = (node as jsep.Identifier).name.toLowerCase()
      if (!(name in CONSTANTS))
        throw new Error(`Unknown name "${(node as jsep.Identifier).name}": only numbers, + - * / % ^, parentheses, pi, e and math functions are allowed.`)
      return CONSTANTS[name]!
    }
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression
      if (u.operator !== '-' && u.operator !== '+')
        throw new Error(`The operator "${u.operator}" is not arithmetic.`)
      const v = evaluate(u.argument)
      return u.operator === '-' ? -v : v
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression
      const op = BINARY[b.operator]
      if (!op)
        throw new Error(`The operator "${b.operator}" is not arithmetic.`)
      return op(evaluate(b.left), evaluate(b.right))
    }
    case 'CallExpression':
      return call(node as jsep.CallExpression)
    default:
      throw new Error(`"${node.type}" is not arithmetic.`)
  }
}

function call(node: jsep.CallExpression): number {
  const name = node.callee.type === 'Identifier' ? (node.callee as jsep.Identifier).name.toLowerCase() : ''
  const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
  if (!fn)
    throw new Error(`Only these functions are allowed: ${Object.keys(FUNCTIONS).join(', ')}.`)
  return fn(...node.arguments.map(evaluate))
}

export const calculatorTool: Tool = {
  name: 'calculator',
  summary: 'evaluate arithmetic',
  // Two numbers joined by an operator, or the words of arithmetic.
  cues: /\d\s*(?:\*\*|[-+*/^%×÷])\s*[-\d(.]|\)\s*[-+*/^]|\b(?:plus|minus|times|add|subtract|multipl\w*|divide\w*|sum|product|double|half|twice|average|square root|sqrt|percent|calculat\w*|compute|arithmetic|math)\b/i,
  description: 'Evaluate an arithmetic expression, e.g. "(3 + 4) * 2 ^ 3" or "sqrt(2) * pi". Numbers, + - * / % ^, parentheses and math functions only.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'The arithmetic expression.', minLength: 1, maxLength: MAX_EXPRESSION_LENGTH } },
    required: ['expression'],
    additionalProperties: false,
  },
  run: args => String(evaluateArithmetic(String(args.expression))),
}
