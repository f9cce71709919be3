/**
 * Reasoning kept apart from the answer. Models of the DeepSeek-R1 and Qwen3 families write `<think>...</think>`
 * inside the content; servers may instead send it in `reasoning_content` (llama-server, vLLM) or `reasoning`
 * (Ollama, OpenRouter), and Gemini as `thought` parts. Every backend feeds its text through {@link ReasoningSplitter},
 * so the answer (what is shown, stored and sent back) never carries the reasoning.
 */

const OPEN = /<(think|thinking|reasoning)>/i
const CLOSE = /<\/(think|thinking|reasoning)>/i
/** The longest tag, so a tag split across two deltas is held back until it is whole. */
const LONGEST_TAG = '</reasoning>'.length

export interface SplitText {
  answer: string
  reasoning: string
}

/** Splits a streamed text into answer and reasoning, tags cut at any byte between deltas included. */
export class ReasoningSplitter {
  private buffer = ''
  private inside = false
  private reasoningParts: string[] = []
  private answerParts: string[] = []

  /** Feeds one delta; returns what is certain now (a possible partial tag at the end is held back). */
  push(text: string): SplitText {
    this.buffer += text
    return this.drain(false)
  }

  /** Everything held back, at the end of the stream. */
  flush(): SplitText {
    return this.drain(true)
  }

  /** Reasoning that arrived in a field of its own (`reasoning_content`, a Gemini thought part). */
  addReasoning(text: string): void {
    if (text)
      this.reasoningParts.push(text)
  }

  /** The whole answer so far, outer whitespace trimmed when reasoning came first. */
  get answer(): string {
    const answer = this.answerParts.join('')
    return this.reasoningParts.length ? answer.replace(/^\s+/, '') : answer
  }

  /** All reasoning so far, trimmed; '' when there was none. */
  get reasoning(): string {
    return this.reasoningParts.join('').trim()
  }

  private drain(isEnd: boolean): SplitText {
    const out: SplitText = { answer: '', reasoning: '' }
    for (;;) {
      const match = (this.inside ? CLOSE : OPEN).exec(this.buffer)
      if (match) {
        this.emit(out, this.buffer.slice(0, match.index))
        this.buffer = this.buffer.slice(match.index + match[0].length)
        this.inside = !this.inside
        continue
      }
      // Hold back a tail that could be the start of a tag.
      const lt = this.buffer.lastIndexOf('<')
      const keep = !isEnd && lt !== -1 && this.buffer.length - lt < LONGEST_TAG ? this.buffer.length - lt : 0
      this.emit(out, this.buffer.slice(0, this.buffer.length - keep))
      this.buffer = this.buffer.slice(this.buffer.length - keep)
      return out
    }
  }

  private emit(out: SplitText, text: string): void {
    if (!text)
      return
    if (this.inside) {
      this.reasoningParts.push(text)
      out.reasoning += text
      return
    }
    // The first answer text after reasoning starts without the blank line models put after `</think>`.
    const isFirst = this.answerParts.length === 0 && this.reasoningParts.length > 0
    const shown = isFirst ? text.replace(/^\s+/, '') : text
    if (!shown)
      return
    this.answerParts.push(shown)
    out.answer += shown
  }
}

/** A whole text without its reasoning blocks (history stored before reasoning was kept apart). */
export function stripReasoning(text: string): string {
  if (!OPEN.test(text))
    return text
  const splitter = new ReasoningSplitter()
  splitter.push(text)
  splitter.flush()
  return splitter.answer
}
