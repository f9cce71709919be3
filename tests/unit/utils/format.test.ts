import { describe, expect, it } from 'vitest'
import { formatBytes, formatPercent, formatRate } from '../../../src/shared/format'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [1024 * 1024, '1.0 MiB'],
    [1185376, '1.1 MiB'],
    [250 * 1024 * 1024, '250 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
    [2 * 1024 ** 4, '2.0 TiB'],
    [2048 * 1024 ** 4, '2048 TiB'],
  ])('formats %d bytes as %s', (bytes: number, text: string) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('formatPercent', () => {
  it.each([
    [0, 100, '0%'],
    [1, 3, '33%'],
    [999, 1000, '99%'],
    [1000, 1000, '100%'],
    [5, 0, '0%'],
    [5, -1, '0%'],
  ])('formats %d of %d as %s', (part: number, whole: number, text: string) => {
    expect(formatPercent(part, whole)).toBe(text)
  })
})

describe('formatRate', () => {
  it('formats a positive rate per second', () => {
    expect(formatRate(1185376)).toBe('1.1 MiB/s')
    expect(formatRate(512)).toBe('512 B/s')
  })

  it('shows a dash when the rate is unknown', () => {
    expect(formatRate(0)).toBe('—')
    expect(formatRate(-10)).toBe('—')
  })
})
