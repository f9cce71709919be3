/**
 * Argument validators for the built-in tools, precompiled by ajv's standalone mode into
 * validators.generated.ts. Precompiled because ajv's runtime compiler builds functions with `new Function`, which the
 * production Content Security Policy (script-src without 'unsafe-eval') forbids. The generated file is checked
 * against the tools' schemas by tests/unit/agent/validators.test.ts (`npx vitest run -u` rewrites it).
 */
import type { ValidateFunction } from 'ajv'
import * as generated from './validators.generated'

/** The precompiled validator for a built-in tool, by name. */
export const PRECOMPILED: Readonly<Record<string, ValidateFunction>> = generated as unknown as Record<string, ValidateFunction>
