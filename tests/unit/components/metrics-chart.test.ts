import { describe, expect, it } from 'vitest'
import { CHART, linePoints, niceMax } from '../../../src/components/metrics/metrics-chart'

describe('metrics chart geometry', () => {
  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(0.3)).toBe(0.5)
    expect(niceMax(7)).toBe(10)
    expect(niceMax(12)).toBe(20)
    expect(niceMax(180)).toBe(200)
    expect(niceMax(430)).toBe(500)
  })

  it('spreads points across the plot, zero at the bottom and the top value at the top', () => {
    const pts = linePoints([0, 5, 10], 10).split(' ').map(p => p.split(',').map(Number))
    const bottom = CHART.height - CHART.padBottom
    expect(pts).toEqual([[CHART.padLeft, bottom], [(CHART.padLeft + CHART.width - CHART.padRight) / 2, (bottom + CHART.padTop) / 2], [CHART.width - CHART.padRight, CHART.padTop]])
  })

  it('centres a single point and clamps values above the top', () => {
    const [x, y] = linePoints([50], 10).split(',').map(Number)
    expect(x).toBe(CHART.padLeft + (CHART.width - CHART.padLeft - CHART.padRight) / 2)
    expect(y).toBe(CHART.padTop)
  })
})
