/** Download speed over a sliding window, and a throttle so progress events stay at a few per second. */
export class SpeedMeter {
  private samples: Array<{ at: number, bytes: number }> = []
  private lastReportAt = -Infinity

  /**
   * @param windowMs how far back the speed looks, in milliseconds. Default 3000.
   * @param reportEveryMs least time between two progress reports, in milliseconds. Default 100.
   */
  constructor(private readonly windowMs = 3000, private readonly reportEveryMs = 100, private readonly now = () => performance.now()) {}

  /** True when a report is due: at most every `reportEveryMs`, and always for the last byte. */
  shouldReport(loadedBytes: number, totalBytes: number): boolean {
    const at = this.now()
    this.samples.push({ at, bytes: loadedBytes })
    while (this.samples.length > 2 && this.samples[0]!.at < at - this.windowMs)
      this.samples.shift()
    if (loadedBytes < totalBytes && at - this.lastReportAt < this.reportEveryMs)
      return false
    this.lastReportAt = at
    return true
  }

  /** Bytes per second over the window; 0 until two samples exist. */
  bytesPerSecond(loadedBytes: number): number {
    const first = this.samples[0]
    if (!first)
      return 0
    const elapsedMs = this.now() - first.at
    return elapsedMs > 0 ? ((loadedBytes - first.bytes) / elapsedMs) * 1000 : 0
  }
}
