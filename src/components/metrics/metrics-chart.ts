/**
 * The geometry of the metrics chart: two series (decode tok/s, time to first token) over recent requests, each scaled
 * to its own axis. Pure functions, so the chart's maths is unit-tested without a DOM.
 */

/** Chart size in SVG user units; the SVG scales to its box. */
export const CHART = { width: 320, height: 140, padLeft: 34, padRight: 34, padTop: 10, padBottom: 18 } as const

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0))
    return 1
  const p = 10 ** Math.floor(Math.log10(max))
  return [1, 2, 5, 10].map(m => m * p).find(v => v >= max)!
}

/** Each value's position in the plot, left to right, 0 at the bottom and `top` at the top (values above are clamped). */
export function chartPoints(values: number[], top: number): Array<[x: number, y: number]> {
  const w = CHART.width - CHART.padLeft - CHART.padRight
  const h = CHART.height - CHART.padTop - CHART.padBottom
  const step = values.length > 1 ? w / (values.length - 1) : 0
  return values.map((v, i) => {
    const x = CHART.padLeft + (values.length > 1 ? i * step : w / 2)
    const y = CHART.padTop + h - (Math.min(Math.max(v, 0), top) / top) * h
    return [Number(x.toFixed(1)), Number(y.toFixed(1))]
  })
}

/** The same positions as an SVG polyline `points` attribute. */
export function linePoints(values: number[], top: number): string {
  return chartPoints(values, top).map(([x, y]) => `${x},${y}`).join(' ')
}
