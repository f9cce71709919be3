/** Human-readable sizes and rates for the UI. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024)
    return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  const shown = (v: number) => Number(v.toFixed(v < 10 ? 1 : 0))
  let value = bytes / 1024
  let unit = 0
  // Round first, so 1048575 B reads "1.0 MiB", not "1024 KiB".
  while (shown(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${shown(value).toFixed(shown(value) < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '—'
}

export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${Math.floor((part / whole) * 100)}%` : '0%'
}
