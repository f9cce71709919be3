/** Types for bench/report.mjs. */
export interface CaseSpec {
  key: string
  label: string
  unit: string
  sideUnit?: string
  aLabel?: string
  bLabel?: string
  kind?: 'ratio' | 'difference'
  target?: { op: '>=' | '<=', value: number }
  note?: string
}
export interface Side { label: string, unit: string, median: number, min: number, max: number, runs: number, samples: number[] }
export interface CaseResult {
  label: string
  unit: string
  median: number
  min: number
  max: number
  runs: number
  samples: number[]
  a?: Side
  b?: Side
  target: string
  pass: boolean | null
  note?: string
}
export interface Results {
  date: string
  quick: boolean
  durationS?: number
  machine: { cores: number, browser: string, cpu?: string, node?: string, loadAverage1m?: number[] }
  cases: Record<string, CaseResult>
  error?: string
}
export function median(xs: number[]): number
export function pairCase(spec: CaseSpec, a: number[], b: number[]): CaseResult
export function singleCase(spec: CaseSpec, values: number[]): CaseResult
export function table(results: Results): string
export function svgChart(results: Results): string
export function updateDoc(doc: string, results: Results): string
