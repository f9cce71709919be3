/**
 * A small GBNF reader for tests: parses the subset step-grammar.ts writes (rules, literals, character classes with
 * ranges, `\xNN` and `\\` escapes, groups, alternatives, `? * +` and `{m,n}`) and says whether a whole text matches
 * `root`. Positions are explored as sets, so no backtracking order matters. Not a full llama.cpp grammar parser.
 */

type Node =
  | { t: 'lit', s: string }
  | { t: 'cls', neg: boolean, ranges: Array<[number, number]> }
  | { t: 'ref', name: string }
  | { t: 'seq', items: Node[] }
  | { t: 'alt', items: Node[] }
  | { t: 'rep', node: Node, min: number, max: number }

function unescape(src: string, i: number): [string, number] {
  const c = src[i + 1]!
  if (c === 'x')
    return [String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 4), 16)), i + 4]
  const map: Record<string, string> = { n: '\n', r: '\r', t: '\t' }
  return [map[c] ?? c, i + 2]
}

class Parser {
  i = 0
  constructor(private readonly src: string) {}
  private ws() {
    while (this.i < this.src.length && /[ \t]/.test(this.src[this.i]!)) this.i++
  }

  alt(): Node {
    const items = [this.seq()]
    this.ws()
    while (this.src[this.i] === '|') {
      this.i++
      items.push(this.seq())
      this.ws()
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items }
  }

  private seq(): Node {
    const items: Node[] = []
    for (;;) {
      this.ws()
      const c = this.src[this.i]
      if (c === undefined || c === '|' || c === ')')
        break
      items.push(this.postfix(this.atom()))
    }
    return { t: 'seq', items }
  }

  private atom(): Node {
    const c = this.src[this.i]!
    if (c === '"') {
      let s = ''
      this.i++
      while (this.src[this.i] !== '"') {
        if (this.src[this.i] === '\\') {
          const [ch, next] = unescape(this.src, this.i)
          s += ch
          this.i = next
        }
        else {
          s += this.src[this.i++]
        }
      }
      this.i++
      return { t: 'lit', s }
    }
    if (c === '[') {
      this.i++
      const neg = this.src[this.i] === '^'
      if (neg)
        this.i++
      const ranges: Array<[number, number]> = []
      while (this.src[this.i] !== ']') {
        let ch: string
        if (this.src[this.i] === '\\')
          [ch, this.i] = unescape(this.src, this.i)
        else
          ch = this.src[this.i++]!
        let end = ch
        if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']') {
          this.i++
          if (this.src[this.i] === '\\')
            [end, this.i] = unescape(this.src, this.i)
          else
            end = this.src[this.i++]!
        }
        ranges.push([ch.charCodeAt(0), end.charCodeAt(0)])
      }
      this.i++
      return { t: 'cls', neg, ranges }
    }
    if (c === '(') {
      this.i++
      const inner = this.alt()
      this.ws()
      this.i++ // ')'
      return inner
    }
    const name = /^[a-zA-Z0-9-]+/.exec(this.src.slice(this.i))![0]
    this.i += name.length
    return { t: 'ref', name }
  }

  private postfix(node: Node): Node {
    const c = this.src[this.i]
    if (c === '?' || c === '*' || c === '+') {
      this.i++
      return { t: 'rep', node, min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Infinity }
    }
    if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(this.src.slice(this.i))!
      this.i += m[0].length
      const min = Number(m[1])
      return { t: 'rep', node, min, max: m[2] === undefined ? min : m[2] === '' ? Infinity : Number(m[2]) }
    }
    return node
  }
}

/** Parses a grammar; @throws Error on a rule that does not parse to its end. */
export function parseGbnf(grammar: string): Map<string, Node> {
  const rules = new Map<string, Node>()
  for (const line of grammar.split('\n').filter(l => l.trim())) {
    const m = /^([a-zA-Z0-9-]+) ::= (.*)$/.exec(line)
    if (!m)
      throw new Error(`not a rule: ${line}`)
    const p = new Parser(m[2]!)
    rules.set(m[1]!, p.alt())
    if (p.i < m[2]!.length)
      throw new Error(`rule ${m[1]} not parsed to its end at ${p.i}: ${m[2]}`)
  }
  return rules
}

/** True when all of `text` matches `root`. @throws Error naming a rule that is referenced but not defined. */
export function matchesGbnf(grammar: string, text: string): boolean {
  const rules = parseGbnf(grammar)
  const ends = (node: Node, from: Set<number>): Set<number> => {
    const out = new Set<number>()
    switch (node.t) {
      case 'lit':
        for (const p of from) if (text.startsWith(node.s, p)) out.add(p + node.s.length)
        return out
      case 'cls':
        for (const p of from) {
          if (p >= text.length)
            continue
          const code = text.charCodeAt(p)
          if (node.ranges.some(([a, b]) => code >= a && code <= b) !== node.neg)
            out.add(p + 1)
        }
        return out
      case 'ref': {
        const rule = rules.get(node.name)
        if (!rule)
          throw new Error(`undefined rule ${node.name}`)
        return ends(rule, from)
      }
      case 'seq': {
        let cur = from
        for (const item of node.items) cur = ends(item, cur)
        return cur
      }
      case 'alt':
        for (const item of node.items) for (const p of ends(item, from)) out.add(p)
        return out
      case 'rep': {
        let cur = from
        const all = new Set<number>(node.min === 0 ? from : [])
        for (let n = 1; n <= node.max && cur.size; n++) {
          cur = ends(node.node, cur)
          if (n >= node.min)
            for (const p of cur) all.add(p)
        }
        return all
      }
    }
  }
  return ends({ t: 'ref', name: 'root' }, new Set([0])).has(text.length)
}
