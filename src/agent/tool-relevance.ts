/**
 * Which tools a prompted step offers (schema and text strategies: small local models). A 135M-parameter model given
 * five tools calls one of them for nearly every question, mostly the one in the prompt's example (issue 19's eval:
 * "What is the capital of France?" became a calculator call). So such a model is offered only the tools whose cues
 * (Tool.cues: vocabulary of the tool's domain, not of any test) appear in the person's last message; with none, the
 * step may only answer, and a general question is answered at once. Tools without cues (MCP tools) are always
 * offered. Native tool calling (cloud models, local templates with tools) sees every tool: those models choose well.
 */
import type { ChatMessage } from '../contract/types'
import type { ToolRegistry } from './tools/registry'

/** The text of the last user message ('' when there is none). */
export function lastUserText(history: readonly ChatMessage[]): string {
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]!.role === 'user')
      return history[i]!.content
  }
  return ''
}

/** The tools `text` may need: those whose cues match it, and those without cues. */
export function relevantTools(registry: ToolRegistry, text: string): ToolRegistry {
  return registry.only(registry.list().filter(t => !t.cues || t.cues.test(text)).map(t => t.name))
}
