import { describe, expect, it } from 'vitest'
import { median, pairCase, singleCase, svgChart, table, updateDoc, type Results } from '../../../bench/report.mjs'

describe('bench/report.mjs', () => {
  it('takes the median of per-pair ratios, not the ratio of medians', () => {
    // Pairs measured back to back: the machine slowed down for the last two, equally on both sides.
    const r = pairCase({ key: 'p', label: 'p', unit: 'ratio', target: { op: '>=', value: 0.97 } }, [10, 10, 5, 5, 5], [10, 10, 5, 5, 5.5])
    expect(r.median).toBe(1)
    expect(r.runs).toBe(5)
    expect(r.min).toBeCloseTo(5 / 5.5)
    expect(r.a?.median).toBe(5)
    expect(r.pass).toBe(true)
    expect(median([3, 1, 2, 10])).toBe(2.5)
  })

  it('takes differences for a difference case and judges <= targets', () => {
    const r = pairCase({ key: 't', label: 't', unit: 'ms', kind: 'difference', target: { op: '<=', value: 20 } }, [130, 150, 170], [100, 110, 120])
    expect(r.samples).toEqual([30, 40, 50])
    expect(r.median).toBe(40)
    expect(r.pass).toBe(false)
  })

  it('refuses unpaired runs', () => {
    expect(() => pairCase({ key: 'x', label: 'x', unit: 'ratio' }, [1, 2], [1])).toThrow(/same number/)
  })

  it('prints a table and an SVG with one row per case, pass and miss marked', () => {
    const results: Results = {
      date: '2026-01-01T00:00:00Z', quick: true, machine: { cores: 2, browser: 'Chromium 1' },
      cases: {
        shell: singleCase({ key: 'shell', label: 's', unit: 'KB', target: { op: '<=', value: 150 } }, [120]),
        native: pairCase({ key: 'native', label: 'n', unit: 'ratio' }, [2], [4]),
        warm_start: pairCase({ key: 'warm_start', label: 'w', unit: 'ratio', target: { op: '<=', value: 1.15 } }, [3], [2]),
      },
    }
    const text = table(results)
    expect(text).toMatch(/\| shell .*\| pass/)
    expect(text).toMatch(/\| native .*\| reported/)
    expect(text).toMatch(/\| warm_start .*\| MISS/)
    const svg = svgChart(results)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg.match(/<rect /g)).toHaveLength(4) // background + one bar per case
    expect(svg).toContain('#dc2626') // the missed target is red
  })

  it('rewrites only the generated block of the performance doc', () => {
    const results: Results = {
      date: '2026-01-01T00:00:00Z', quick: true, durationS: 300,
      machine: { cores: 2, browser: 'Chromium 1', cpu: 'cpu', node: 'v20', loadAverage1m: [1, 2] },
      cases: { shell: singleCase({ key: 'shell', label: 's', unit: 'KB', target: { op: '<=', value: 150 }, note: 'two files' }, [120]) },
    }
    const doc = 'intro\n<!-- bench:latest:start -->\nold table\n<!-- bench:latest:end -->\nadvice\n'
    const next = updateDoc(doc, results)
    expect(next.startsWith('intro\n<!-- bench:latest:start -->')).toBe(true)
    expect(next.endsWith('<!-- bench:latest:end -->\nadvice\n')).toBe(true)
    expect(next).not.toContain('old table')
    expect(next).toMatch(/\| shell .*\| pass/)
    expect(next).toContain('- `shell`: two files')
    expect(updateDoc(next, results)).toBe(next)
    expect(() => updateDoc('no markers', results)).toThrow(/bench:latest/)
  })
})
