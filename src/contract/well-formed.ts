/**
 * Text that reaches an engine is well-formed UTF-16: a lone surrogate (half an emoji, say `"hello \uD83D"`) becomes
 * U+FFFD. wllama measures a string's UTF-8 length in one place and writes it in another; with a lone surrogate the
 * two disagree and the call fails with "Invalid typed array length", and a cloud API may refuse the JSON.
 * String.prototype.toWellFormed (ES2024) does the same; this works where it is missing and in ES2022 type checks.
 */
import type { AIService, ChatMessage, ChatRequest } from './types'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** `text` with every lone surrogate replaced by U+FFFD (the replacement character). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD')
}

/** A message whose text (content, tool call arguments) is well-formed; the same object when it already was. */
export function wellFormedMessage(m: ChatMessage): ChatMessage {
  const content = wellFormed(m.content)
  const calls = m.tool_calls?.map(c => ({ ...c, function: { ...c.function, arguments: wellFormed(c.function.arguments) } }))
  const isSame = content === m.content && (!calls || calls.every((c, i) => c.function.arguments === m.tool_calls![i]!.function.arguments))
  return isSame ? m : { ...m, content, ...(calls && { tool_calls: calls }) }
}

/** The request with well-formed message text. */
export function wellFormedRequest<T extends ChatRequest>(req: T): T {
  return { ...req, messages: req.messages.map(wellFormedMessage) }
}

/** `service`, except that every chat request's text is made well-formed first (tool observations included). */
export function withWellFormedText(service: AIService): AIService {
  return {
    get id() { return service.id },
    get capabilities() { return service.capabilities },
    isSupported: () => service.isSupported(),
    initialize: (model, opts) => service.initialize(model, opts),
    chat: (req, opts) => service.chat(wellFormedRequest(req), opts),
    status: () => service.status(),
    dispose: () => service.dispose(),
  }
}
