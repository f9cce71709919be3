/**
 * Validation of MCP tool arguments without code generation. MCP servers send their tools' JSON Schemas at run time,
 * and the CSP (script-src without 'unsafe-eval') forbids ajv's compiler, which builds functions with `new Function`;
 * the built-in tools use validators precompiled by ajv's standalone mode instead (validators.ts), which cannot cover
 * schemas that arrive later. @cfworker/json-schema interprets a schema (no eval) and is the validator the MCP SDK
 * itself offers for such runtimes, so tool schemas and the SDK's output schemas are checked the same way.
 */
import { Validator, type Schema, type SchemaDraft } from '@cfworker/json-schema'
import type { ErrorObject, ValidateFunction } from 'ajv'

const TYPE_NAMES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'])
/** Keywords whose value is one schema, a list of schemas, or a map of schemas. */
const ONE_SCHEMA = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'additionalItems', 'unevaluatedProperties', 'unevaluatedItems']
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems']
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
/** Deepest nesting accepted; deeper schemas are refused rather than walked. */
const MAX_DEPTH = 32

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function subschemaProblem(s: unknown, at: string, depth: number): string | undefined {
  if (typeof s === 'boolean')
    return undefined
  if (!isPlainObject(s))
    return `${at} is not a schema object`
  if (depth > MAX_DEPTH)
    return `${at} nests deeper than ${MAX_DEPTH} levels`
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type]
  if (types.some(t => typeof t !== 'string' || !TYPE_NAMES.has(t)))
    return `${at}/type is not a JSON Schema type`
  if (s.required !== undefined && !(Array.isArray(s.required) && s.required.every(r => typeof r === 'string')))
    return `${at}/required is not a list of names`
  if (s.enum !== undefined && !Array.isArray(s.enum))
    return `${at}/enum is not a list`
  if (typeof s.$ref === 'string' && !s.$ref.startsWith('#'))
    return `${at}/$ref points outside the schema`
  for (const key of ONE_SCHEMA) {
    const problem = s[key] === undefined || Array.isArray(s[key]) && key === 'items' ? undefined : subschemaProblem(s[key], `${at}/${key}`, depth + 1)
    if (problem)
      return problem
  }
  for (const key of SCHEMA_LIST) {
    if (s[key] === undefined)
      continue
    if (!Array.isArray(s[key]))
      return `${at}/${key} is not a list of schemas`
    const problem = (s[key] as unknown[]).map((sub, i) => subschemaProblem(sub, `${at}/${key}/${i}`, depth + 1)).find(Boolean)
    if (problem)
      return problem
  }
  for (const key of SCHEMA_MAP) {
    if (s[key] === undefined)
      continue
    if (!isPlainObject(s[key]))
      return `${at}/${key} is not an object of schemas`
    const problem = Object.entries(s[key]).map(([name, sub]) => subschemaProblem(sub, `${at}/${key}/${name}`, depth + 1)).find(Boolean)
    if (problem)
      return problem
  }
  return undefined
}

/**
 * What is wrong with `schema` as a tool's arguments schema, in a few words, or undefined when it is usable: an object
 * schema (`type: 'object'`) whose keywords have the right shapes, no `$ref` outside itself, at most 32 levels deep,
 * and that the validator accepts.
 */
export function toolSchemaProblem(schema: unknown): string | undefined {
  if (!isPlainObject(schema))
    return 'the schema is not an object'
  if (schema.type !== 'object')
    return 'the schema does not describe an object of arguments (type: "object")'
  const problem = subschemaProblem(schema, '#', 0)
  if (problem)
    return problem
  try {
    new Validator(schema as Schema, draftOf(schema)).validate({})
    return undefined
  }
  catch (err) {
    return `the validator refused it: ${err instanceof Error ? err.message : String(err)}`
  }
}

/** The draft a schema declares through `$schema`; 2020-12 (MCP's default) when it names none or another. */
function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : ''
  if (declared.includes('draft-07'))
    return '7'
  if (declared.includes('draft-04'))
    return '4'
  if (declared.includes('2019-09'))
    return '2019-09'
  return '2020-12'
}

/**
 * A validator for `schema` in the shape the tool registry expects (ajv's ValidateFunction: call it, then read
 * `.errors`, each with `instancePath` and `message`), built without `new Function`. Check the schema with
 * {@link toolSchemaProblem} first: a malformed schema may validate loosely here.
 */
export function compileWithoutEval(schema: Record<string, unknown>): ValidateFunction {
  const validator = new Validator(schema as Schema, draftOf(schema), false)
  const validate = (data: unknown): boolean => {
    const result = validator.validate(data)
    // The innermost units say what is wrong; the outer ones only repeat "does not match schema".
    const units = result.errors.filter(e => !/does not match|did not match|failed validation/i.test(e.error))
    validate.errors = result.valid
      ? null
      : (units.length ? units : result.errors).slice(0, 5).map((e): ErrorObject => ({
          instancePath: e.instanceLocation.replace(/^#/, ''),
          schemaPath: e.keywordLocation,
          keyword: e.keyword,
          params: {},
          message: e.error,
        }))
    return result.valid
  }
  validate.errors = null as ErrorObject[] | null
  validate.schema = schema
  return validate as unknown as ValidateFunction
}
