/**
 * Streamed text gathered per animation frame before it reaches reactive state (issue 16 item 4, issue 21 `render`):
 * a model or a cloud API can send several deltas per frame (the bench sends one every 4 ms, 4 per 60 Hz frame), and
 * each change of a reply's reactive `content` re-renders its message. Gathering them makes one reactive update per
 * frame, whatever the token rate. Framework-free: the caller decides what applying the text means.
 */

/** Runs `run` once, before the next frame is drawn; returns a function that cancels it. */
export type FrameScheduler = (run: () => void) => () => void

/**
 * Longest wait for a frame, in ms. A hidden tab draws no frames (`requestAnimationFrame` waits until it is shown
 * again), yet its reply must keep reaching IndexedDB; browsers run a hidden tab's timers at most once a second.
 */
export const FRAME_FALLBACK_MS = 200

/** Before the next animation frame, or after FRAME_FALLBACK_MS if no frame comes first (hidden tab); never both. */
export const nextFrame: FrameScheduler = (run) => {
  let frame = 0
  const timer = setTimeout(() => {
    cancelAnimationFrame(frame)
    run()
  }, FRAME_FALLBACK_MS)
  frame = requestAnimationFrame(() => {
    clearTimeout(timer)
    run()
  })
  return () => {
    cancelAnimationFrame(frame)
    clearTimeout(timer)
  }
}

/** Deltas held until the next frame, then handed over as one string, in the order they came. */
export interface DeltaBatcher {
  /** Holds `text` for the next frame (the first delta of a frame schedules it). */
  push: (text: string) => void
  /** Hands over what is held now (end of the turn, Stop, an error, a step that must come after the text). */
  flush: () => void
  /** Forgets what is held (the streamed text was withdrawn): nothing of it is handed over. */
  drop: () => void
}

/**
 * A batcher that calls `apply` at most once per frame with every delta pushed since the last call, joined.
 * `schedule` is the frame clock (`nextFrame` in the page; tests pass their own).
 */
export function deltaBatcher(apply: (text: string) => void, schedule: FrameScheduler = nextFrame): DeltaBatcher {
  let held: string[] = []
  let cancel: (() => void) | null = null

  function drop(): void {
    cancel?.()
    cancel = null
    held = []
  }

  function flush(): void {
    const text = held.join('')
    drop()
    if (text)
      apply(text)
  }

  function push(text: string): void {
    if (!text)
      return
    held.push(text)
    cancel ??= schedule(flush)
  }

  return { push, flush, drop }
}
