/**
 * Token rates that are only ever computed from real token counts. A backend that reports no count (llama-cpp-python's
 * server sends no `usage` in a stream, whatever `stream_options.include_usage` asks; a server that drops the usage
 * chunk; a local engine without timings) has no rate: the reply shows none, rather than "0.0 tokens/s".
 */
import type { RequestMetrics } from './types'

/**
 * `tokens` per second over `ms` milliseconds, or undefined when the count is not a real one (missing, zero) or the
 * time is not a positive finite duration.
 */
export function tokensPerSecond(tokens: number | null | undefined, ms: number | null | undefined): number | undefined {
  if (typeof tokens !== 'number' || !(tokens > 0) || typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms))
    return undefined
  return (tokens / ms) * 1000
}

/** A rate a server measured itself (llama-server's `timings.predicted_per_second`), when it is a real one. */
export function measuredRate(perSecond: number | null | undefined, tokens: number | null | undefined): number | undefined {
  return typeof perSecond === 'number' && perSecond > 0 && Number.isFinite(perSecond) && typeof tokens === 'number' && tokens > 0 ? perSecond : undefined
}

/**
 * The decode speed to show for a request, or undefined: absent, zero (replies saved before rates became optional
 * stored 0 when the count was missing) or from no completion tokens.
 */
export function shownDecodeRate(m: Pick<RequestMetrics, 'decodeTokensPerSecond' | 'completionTokens'> | null | undefined): number | undefined {
  const r = m?.decodeTokensPerSecond
  return typeof r === 'number' && r > 0 && Number.isFinite(r) && m!.completionTokens > 0 ? r : undefined
}

/** The prefill speed to show, or undefined (see {@link shownDecodeRate}). */
export function shownPrefillRate(m: Pick<RequestMetrics, 'prefillTokensPerSecond' | 'promptTokens'> | null | undefined): number | undefined {
  const r = m?.prefillTokensPerSecond
  return typeof r === 'number' && r > 0 && Number.isFinite(r) && m!.promptTokens > 0 ? r : undefined
}
