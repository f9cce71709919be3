import type { Conversation } from './types'

export type DateGroupLabel = 'Today' | 'Yesterday' | 'Last 7 days' | 'Older'

/**
 * The conversation list's sections, as chat apps show them: by the local calendar day of the last change, newest
 * first. The input's order is kept inside each group (the store lists newest first already).
 */
export function groupByDate(list: readonly Conversation[], now = Date.now()): Array<{ label: DateGroupLabel, items: Conversation[] }> {
  const today = new Date(now)
  today.setHours(0, 0, 0, 0)
  const startOfToday = today.getTime()
  const yesterday = new Date(today)
  yesterday.setDate(today.getDate() - 1)
  const weekAgo = new Date(today)
  weekAgo.setDate(today.getDate() - 6)
  const labelOf = (t: number): DateGroupLabel =>
    t >= startOfToday ? 'Today' : t >= yesterday.getTime() ? 'Yesterday' : t >= weekAgo.getTime() ? 'Last 7 days' : 'Older'
  const groups = new Map<DateGroupLabel, Conversation[]>()
  for (const c of list) {
    const label = labelOf(c.updatedAt)
    groups.set(label, [...(groups.get(label) ?? []), c])
  }
  const ORDER: DateGroupLabel[] = ['Today', 'Yesterday', 'Last 7 days', 'Older']
  return ORDER.filter(l => groups.has(l)).map(label => ({ label, items: groups.get(label)! }))
}
