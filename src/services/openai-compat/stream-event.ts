/**
 * One `chat.completion.chunk` as servers really send it: every field the OpenAI streaming schema marks optional or
 * nullable may be missing or null, and servers add their own (`reasoning_content`, `reasoning`, a whole `message`
 * instead of a `delta`, `text` from completion-style servers). Nothing here is trusted to be present.
 */
import type { ToolCall } from '../../contract/types'
import type { ServerTimings } from '../cloud/cloud-common'

/** A streamed tool call fragment. Servers differ: `index` may be missing, the name may repeat, `arguments` may be an object. */
export interface ToolCallDelta {
  index?: number | null
  id?: string | null
  type?: string | null
  function?: { name?: string | null, arguments?: unknown } | null
}

export interface StreamDelta {
  role?: string | null
  content?: string | null
  /** llama-server (`--reasoning-format deepseek`), vLLM, DeepSeek. */
  reasoning_content?: string | null
  /** Ollama, OpenRouter, newer vLLM. */
  reasoning?: string | null
  tool_calls?: Array<ToolCallDelta | null> | null
}

export interface StreamEvent {
  choices?: Array<{ index?: number | null, delta?: StreamDelta | null, message?: StreamDelta | null, text?: string | null, finish_reason?: string | null } | null> | null
  /** Absent from llama-cpp-python's server in every stream, and from servers that ignore `stream_options`. */
  usage?: { prompt_tokens?: number | null, completion_tokens?: number | null } | null
  /** llama-server's own counts and clocks, on its last chunk. */
  timings?: ServerTimings | null
}

/**
 * Adds streamed fragments to `calls`. A fragment joins the call of its `index`; without one, the call with its `id`;
 * without either, the last call (or a new one when there is none). A name sent again whole is not doubled; arguments
 * sent as an object are taken as JSON.
 */
export function mergeToolCalls(calls: ToolCall[], deltas: StreamDelta['tool_calls']): void {
  for (const d of deltas ?? []) {
    if (!d)
      continue
    const call = callFor(calls, d)
    if (d.id)
      call.id = d.id
    const name = d.function?.name
    if (name && !call.function.name.endsWith(name))
      call.function.name += name
    const args = d.function?.arguments
    if (typeof args === 'string')
      call.function.arguments += args
    else if (args && typeof args === 'object')
      call.function.arguments = JSON.stringify(args)
  }
}

/** The call each server `index` opened, per reply (indexes may start at 1 or skip). */
const slots = new WeakMap<ToolCall[], Map<number, ToolCall>>()

/**
 * Where a fragment belongs: the call its `index` opened, unless it brings a different id (servers that number every
 * call 0); without an index, the call with its id; without either, the last call, or a new one when there is none.
 */
function callFor(calls: ToolCall[], d: ToolCallDelta): ToolCall {
  const open = (): ToolCall => (calls[calls.length] = { id: d.id || `call_${calls.length}`, type: 'function', function: { name: '', arguments: '' } })
  const byIndex = slots.get(calls) ?? new Map<number, ToolCall>()
  slots.set(calls, byIndex)
  if (typeof d.index === 'number') {
    const known = byIndex.get(d.index)
    if (known && !(d.id && known.id !== d.id && known.function.name))
      return known
    const call = open()
    byIndex.set(d.index, call)
    return call
  }
  const byId = d.id ? calls.find(c => c.id === d.id) : undefined
  if (byId)
    return byId
  const last = calls.at(-1)
  if (!last || d.id || (d.function?.name && last.function.name && last.function.arguments))
    return open()
  return last
}
