/**
 * Statistics and output of `npm run bench`: pairwise ratios, medians, pass/miss against the issue's targets, the
 * stdout table, and the SVG chart (written by hand: no chart dependency for one picture).
 */

/** Median of numbers (mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  if (!s.length)
    return NaN
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const summary = xs => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length })

/**
 * One case from interleaved pairs: `a[i]` and `b[i]` were measured back to back, so the figure is the median of the
 * per-pair values (`a/b`, or `a-b` for a difference), not the ratio of two medians.
 */
export function pairCase(spec, a, b) {
  if (a.length !== b.length || !a.length)
    throw new Error(`${spec.key}: need the same number of A and B runs, got ${a.length} and ${b.length}`)
  const values = a.map((x, i) => spec.kind === 'difference' ? x - b[i] : x / b[i])
  return finish(spec, values, { label: spec.aLabel, unit: spec.sideUnit, ...summary(a), samples: a }, { label: spec.bLabel, unit: spec.sideUnit, ...summary(b), samples: b })
}

/** A case measured on one side only (app shell size). */
export function singleCase(spec, values) {
  return finish(spec, values)
}

function finish(spec, values, a, b) {
  const s = summary(values)
  const target = spec.target
  const pass = target ? (target.op === '>=' ? s.median >= target.value : s.median <= target.value) : null
  return {
    label: spec.label, unit: spec.unit, ...s, samples: values,
    ...(a && { a, b }),
    target: target ? `${target.op} ${target.value}` : 'report only',
    pass,
    ...(spec.note && { note: spec.note }),
  }
}

const fmt = (x, unit) => !Number.isFinite(x) ? 'n/a' : unit === 'ratio' ? x.toFixed(3) : x >= 100 ? x.toFixed(0) : x.toFixed(1)

/** The stdout table: one line per case. */
export function table(results) {
  const rows = [['case', 'median', 'min', 'max', 'runs', 'A (median)', 'B (median)', 'target', 'result']]
  for (const [key, r] of Object.entries(results.cases)) {
    rows.push([
      key, `${fmt(r.median, r.unit)} ${r.unit === 'ratio' ? '' : r.unit}`.trim(), fmt(r.min, r.unit), fmt(r.max, r.unit), String(r.runs),
      r.a ? `${fmt(r.a.median, r.a.unit)} ${r.a.unit}` : '', r.b ? `${fmt(r.b.median, r.b.unit)} ${r.b.unit}` : '',
      r.target, r.pass === null ? 'reported' : r.pass ? 'pass' : 'MISS',
    ])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)))
  const line = r => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(rows[0]), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n')
}

const esc = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * The chart: one row per case, the median as a bar scaled to the target (the dashed line is the target), min-max as
 * a whisker. A case without a target is scaled to its own maximum. Green meets the target, red misses it.
 */
export function svgChart(results) {
  const entries = Object.entries(results.cases)
  const rowH = 34
  const left = 230
  const plotW = 420
  const top = 40
  const h = top + entries.length * rowH + 30
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 190}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">npm run bench${results.quick ? ' --quick' : ''}: ${esc(results.date)}, ${results.machine.cores} cores, ${esc(results.machine.browser)}</text>`,
    `<text x="${left}" y="${top - 6}" fill="#555">bar = median / target (dashed line = target; report-only rows: / their max); whisker = min..max</text>`]
  entries.forEach(([key, r], i) => {
    const y = top + i * rowH
    const scale = r.target === 'report only' ? Math.max(r.max, 1e-9) : Number(r.target.split(' ')[1])
    const x = v => left + Math.max(0, Math.min(2, v / scale)) * (plotW / 2)
    const color = r.pass === null ? '#6b7280' : r.pass ? '#16a34a' : '#dc2626'
    out.push(`<text x="10" y="${y + 20}">${esc(key)}</text>`,
      `<rect x="${left}" y="${y + 8}" width="${x(r.median) - left}" height="16" fill="${color}" opacity="0.8"/>`,
      `<line x1="${x(r.min)}" x2="${x(r.max)}" y1="${y + 16}" y2="${y + 16}" stroke="#111" stroke-width="1.5"/>`,
      `<text x="${left + plotW + 10}" y="${y + 20}">${esc(`${fmt(r.median, r.unit)} ${r.unit === 'ratio' ? '' : r.unit} (${r.target})`)}</text>`)
  })
  out.push(`<line x1="${left + plotW / 2}" x2="${left + plotW / 2}" y1="${top}" y2="${h - 24}" stroke="#111" stroke-dasharray="4 3"/>`, '</svg>')
  return `${out.join('\n')}\n`
}

const START = '<!-- bench:latest:start -->'
const END = '<!-- bench:latest:end -->'

/** Replaces the generated block of docs/performance.md (between the bench:latest markers) with these results. */
export function updateDoc(doc, results) {
  const i = doc.indexOf(START)
  const j = doc.indexOf(END)
  if (i < 0 || j < i)
    throw new Error(`docs/performance.md has no ${START} ... ${END} block`)
  const m = results.machine
  const notes = Object.entries(results.cases).filter(([, r]) => r.note).map(([k, r]) => `- \`${k}\`: ${r.note}`)
  const block = [
    START,
    `_Generated by \`npm run bench${results.quick ? ' -- --quick' : ''}\` on ${results.date.slice(0, 16).replace('T', ' ')} UTC: `
    + `${m.cores} cores (${m.cpu}), ${m.browser}, Node ${m.node}, load average ${m.loadAverage1m.map(l => l.toFixed(1)).join(' -> ')} `
    + `(1-minute, start -> end), ${results.durationS} s._`,
    '',
    table(results),
    '',
    '![bench chart](../bench/results/latest.svg)',
    '',
    ...notes,
    ...(results.error ? ['', `**The run failed before the end:** \`${results.error.split('\n')[0]}\``] : []),
    END,
  ]
  return doc.slice(0, i) + block.join('\n') + doc.slice(j + END.length)
}
