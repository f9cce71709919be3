/** ajv's runtime compiler for tools made up in tests (the app's own tools use precompiled validators). */
import { Ajv } from 'ajv'

const ajv = new Ajv({ allErrors: true, strict: false })

export const compile = (schema: Record<string, unknown>) => ajv.compile(schema)
