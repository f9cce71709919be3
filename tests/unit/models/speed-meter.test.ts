import { describe, expect, it } from 'vitest'
import { SpeedMeter } from '../../../src/models/speed-meter'

/** A meter on a clock the test moves by hand. */
function meterAt(windowMs = 3000, reportEveryMs = 100) {
  const clock = { ms: 0 }
  const meter = new SpeedMeter(windowMs, reportEveryMs, () => clock.ms)
  return { clock, meter }
}

describe('SpeedMeter.shouldReport', () => {
  it('reports the first sample, then at most once every reportEveryMs', () => {
    const { clock, meter } = meterAt(3000, 100)
    const reports: number[] = []
    for (const at of [0, 30, 99, 100, 150, 199, 200, 260, 350]) {
      clock.ms = at
      if (meter.shouldReport(at, 10_000))
        reports.push(at)
    }
    expect(reports).toEqual([0, 100, 200, 350])
  })

  it('always reports the last byte, even inside the throttle window', () => {
    const { clock, meter } = meterAt(3000, 100)
    expect(meter.shouldReport(10, 1000)).toBe(true)
    clock.ms = 5
    expect(meter.shouldReport(500, 1000)).toBe(false)
    clock.ms = 10
    expect(meter.shouldReport(1000, 1000)).toBe(true)
  })

  it('restarts the throttle from the last report', () => {
    const { clock, meter } = meterAt(3000, 100)
    meter.shouldReport(0, 100)
    clock.ms = 40
    expect(meter.shouldReport(100, 100)).toBe(true)
    clock.ms = 120
    expect(meter.shouldReport(100, 200)).toBe(false)
    clock.ms = 140
    expect(meter.shouldReport(150, 200)).toBe(true)
  })
})

describe('SpeedMeter.bytesPerSecond', () => {
  it('is 0 before any sample', () => {
    const { meter } = meterAt()
    expect(meter.bytesPerSecond(0)).toBe(0)
  })

  it('is 0 with a single sample taken now', () => {
    const { meter } = meterAt()
    meter.shouldReport(4096, 10_000)
    expect(meter.bytesPerSecond(4096)).toBe(0)
  })

  it('measures bytes per second since the first sample', () => {
    const { clock, meter } = meterAt(3000)
    for (let at = 0; at <= 2000; at += 250) {
      clock.ms = at
      meter.shouldReport(at * 2, 1_000_000)
    }
    // 2 bytes a millisecond is 2000 bytes a second.
    expect(meter.bytesPerSecond(4000)).toBe(2000)
  })

  it('forgets samples older than the window', () => {
    const { clock, meter } = meterAt(3000)
    let bytes = 0
    // 1000 B/s for 3 s, then 4000 B/s for 3 s, a sample every 500 ms.
    for (let at = 0; at <= 6000; at += 500) {
      clock.ms = at
      meter.shouldReport(bytes, 1_000_000)
      bytes += at < 3000 ? 500 : 2000
    }
    const loaded = 3000 + 6 * 2000
    // Only the samples from 3000 ms on are in the window: (15000 - 3000) B over 3 s. All six seconds would give 2500.
    expect(meter.bytesPerSecond(loaded)).toBe(4000)
  })

  it('keeps two samples even when both are older than the window', () => {
    const { clock, meter } = meterAt(1000)
    meter.shouldReport(0, 10_000)
    clock.ms = 5000
    meter.shouldReport(5000, 10_000)
    expect(meter.bytesPerSecond(5000)).toBe(1000)
  })
})
