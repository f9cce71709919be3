/**
 * The JSON Schema of an exported conversations file (format `local-ai-conversations`, versions 1 and 2; version 2
 * adds versions and branches: a message's `parentId`, a conversation's `leafId`, and a failed reply's `errorMessage`).
 * Strict on purpose: unknown fields, wrong types and oversized strings are refused, so an import never stores
 * something the app would not have written itself.
 */

import { FINISH_REASONS, REPLY_NOTICE_CODES } from '../contract/types'

/** The `format` field every export carries. */
export const EXPORT_FORMAT = 'local-ai-conversations'
/** The version this app writes. */
export const EXPORT_VERSION = 2
/** The versions this app reads: 1 (one branch per conversation, read in order) and 2. */
export const READ_VERSIONS = [1, 2] as const

/** Longest message text accepted, in characters (about 2 MB of text). */
const MAX_TEXT = 2_000_000

const metricsSchema = {
  type: 'object',
  required: ['engine', 'timeToFirstTokenMs'],
  properties: {
    engine: { type: 'string', maxLength: 40 },
    threads: { type: 'number', minimum: 0 },
    queueWaitMs: { type: 'number', minimum: 0 },
    timeToFirstTokenMs: { type: 'number', minimum: 0 },
    promptTokens: { type: 'number', minimum: 0 },
    cachedTokens: { type: 'number', minimum: 0 },
    completionTokens: { type: 'number', minimum: 0 },
    prefillTokensPerSecond: { type: 'number', minimum: 0 },
    decodeTokensPerSecond: { type: 'number', minimum: 0 },
    totalMs: { type: 'number', minimum: 0 },
  },
  additionalProperties: false,
} as const

const text = { type: 'string', maxLength: MAX_TEXT } as const
const shortText = { type: 'string', maxLength: 200 } as const

const stepSchema = {
  type: 'object',
  required: ['kind'],
  oneOf: [
    { properties: { kind: { const: 'thought' }, text }, required: ['text'], additionalProperties: false },
    {
      properties: { kind: { const: 'tool_call' }, callId: shortText, name: shortText, arguments: {} },
      required: ['callId', 'name', 'arguments'],
      additionalProperties: false,
    },
    {
      properties: {
        kind: { const: 'observation' }, callId: shortText, name: shortText, content: text, isError: { type: 'boolean' },
      },
      required: ['callId', 'name', 'content', 'isError'],
      additionalProperties: false,
    },
    { properties: { kind: { const: 'answer' }, text }, required: ['text'], additionalProperties: false },
  ],
} as const

const messageSchema = {
  type: 'object',
  required: ['id', 'role', 'content', 'status', 'createdAt'],
  properties: {
    id: shortText,
    parentId: { type: ['string', 'null'], maxLength: 200 },
    role: { enum: ['system', 'user', 'assistant', 'tool'] },
    content: text,
    status: { enum: ['done', 'streaming', 'stopped', 'interrupted', 'error'] },
    createdAt: { type: 'number', minimum: 0 },
    backend: shortText,
    model: { type: 'string', maxLength: 500 },
    mode: { enum: ['chat', 'completion'] },
    metrics: metricsSchema,
    steps: { type: 'array', maxItems: 1000, items: stepSchema },
    errorCode: shortText,
    errorMessage: { type: 'string', maxLength: 2000 },
    fellBack: { type: 'boolean' },
    finishReason: { enum: [...FINISH_REASONS] },
    notice: {
      type: 'object',
      required: ['code', 'message', 'nextStep'],
      properties: { code: { enum: [...REPLY_NOTICE_CODES] }, message: { type: 'string', maxLength: 2000 }, nextStep: { type: 'string', maxLength: 2000 } },
      additionalProperties: false,
    },
    reasoning: text,
    reasoningMs: { type: 'number', minimum: 0 },
    contextSummary: { type: 'object', required: ['text', 'through'], properties: { text, through: shortText }, additionalProperties: false },
    imported: { type: 'boolean' },
  },
  additionalProperties: false,
} as const

const conversationSchema = {
  type: 'object',
  required: ['id', 'title', 'createdAt', 'updatedAt', 'messages'],
  properties: {
    id: shortText,
    title: { type: 'string', maxLength: 500 },
    createdAt: { type: 'number', minimum: 0 },
    updatedAt: { type: 'number', minimum: 0 },
    leafId: shortText,
    messages: { type: 'array', maxItems: 100_000, items: messageSchema },
  },
  additionalProperties: false,
} as const

/** The whole file. */
export const exportSchema = {
  $id: 'https://local-ai-assistant.invalid/conversations-export-v1.json',
  type: 'object',
  required: ['format', 'version', 'exportedAt', 'conversations'],
  properties: {
    format: { const: EXPORT_FORMAT },
    version: { enum: [...READ_VERSIONS] },
    exportedAt: { type: 'string', maxLength: 40 },
    conversations: { type: 'array', maxItems: 100_000, items: conversationSchema },
  },
  additionalProperties: false,
} as const
