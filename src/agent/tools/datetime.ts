/** The date and time now (or at a given instant) in any IANA time zone, through Intl: no time zone data shipped. */
import type { Tool } from './tool'

const PARAMETERS = {
  type: 'object',
  properties: {
    timeZone: { type: 'string', description: 'IANA time zone name. Default UTC.', maxLength: 64 },
    instant: { type: 'string', description: 'An ISO 8601 date-time to convert instead of now.', maxLength: 40 },
  },
  additionalProperties: false,
}

/** `now` is injectable so tests can pin the clock. */
export function dateTimeTool(now: () => Date = () => new Date()): Tool {
  return {
    name: 'datetime',
    summary: 'date and time in a time zone such as "Europe/Paris"',
    cues: /\b(?:time|date|today|tonight|tomorrow|yesterday|clock|o'clock|timezone|utc|gmt|weekday|now)\b/i,
    description: 'The current date and time, or a given ISO instant, in an IANA time zone such as "Europe/Paris" or "UTC".',
    parameters: PARAMETERS,
    run(args) {
      const timeZone = typeof args.timeZone === 'string' && args.timeZone ? args.timeZone : 'UTC'
      const date = typeof args.instant === 'string' ? new Date(args.instant) : now()
      if (Number.isNaN(date.getTime()))
        throw new Error(`"${String(args.instant)}" is not an ISO 8601 date-time.`)
      let formatted: string
      try {
        formatted = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'long' }).format(date)
      }
      catch {
        throw new Error(`"${timeZone}" is not a time zone. Use an IANA name such as "Europe/Paris".`)
      }
      return `${formatted} (${timeZone}; ISO ${date.toISOString()})`
    },
  }
}
