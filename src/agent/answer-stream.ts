/**
 * Streams the answer out of a schema-constrained step while the model writes it. A prompted step is JSON
 * (`{"thought": "...", "tool": "final_answer", "answer": "..."}`, properties in the schema's order), so without this the
 * person would see nothing until the step is complete. Once the text shows the step is a final answer, the `answer`
 * string is decoded as it grows (JSON escapes included) and handed out piece by piece. Tool-call steps yield nothing.
 */
import { FINAL } from './text-parser'

const ANSWER_START = new RegExp(`"tool"\\s*:\\s*"${FINAL}"\\s*,\\s*"answer"\\s*:\\s*"`)
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t' }

export class AnswerStreamer {
  private raw = ''
  /** Where the answer's characters start in `raw`, once known. */
  private start = -1
  /** How far `raw` has been decoded. */
  private pos = 0
  private isClosed = false

  /** Feeds the next piece of the model's text; returns the new answer text it completes ('' when none). */
  push(piece: string): string {
    this.raw += piece
    if (this.start < 0) {
      const m = ANSWER_START.exec(this.raw)
      if (!m)
        return ''
      this.start = m.index + m[0].length
      this.pos = this.start
    }
    return this.decode()
  }

  private decode(): string {
    let out = ''
    while (!this.isClosed && this.pos < this.raw.length) {
      const c = this.raw[this.pos]!
      if (c === '"') {
        this.isClosed = true
        break
      }
      if (c !== '\\') {
        out += c
        this.pos++
        continue
      }
      const next = this.raw[this.pos + 1]
      if (next === undefined)
        break // the escape is split across pieces: wait for the rest
      if (next === 'u') {
        const hex = this.raw.slice(this.pos + 2, this.pos + 6)
        if (hex.length < 4)
          break
        out += String.fromCharCode(Number.parseInt(hex, 16))
        this.pos += 6
        continue
      }
      out += SIMPLE_ESCAPES[next] ?? next
      this.pos += 2
    }
    return out
  }
}
