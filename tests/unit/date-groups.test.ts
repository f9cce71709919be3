import { describe, expect, it } from 'vitest'
import { groupByDate } from '../../src/conversations/date-groups'

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime()
const conv = (id: string, updatedAt: number) => ({ id, title: id, createdAt: updatedAt, updatedAt })

describe('groupByDate', () => {
  it('sorts conversations into Today, Yesterday, Last 7 days and Older by local day', () => {
    const now = at(2026, 3, 10, 9)
    const list = [conv('a', at(2026, 3, 10, 0)), conv('b', at(2026, 3, 9, 23)), conv('c', at(2026, 3, 4)), conv('d', at(2026, 3, 3, 23)), conv('e', at(2025, 1, 1))]
    expect(groupByDate(list, now).map(g => [g.label, g.items.map(c => c.id)])).toEqual([
      ['Today', ['a']], ['Yesterday', ['b']], ['Last 7 days', ['c']], ['Older', ['d', 'e']],
    ])
  })

  it('leaves out empty groups and keeps the order inside a group', () => {
    const now = at(2026, 3, 10)
    expect(groupByDate([conv('x', at(2026, 3, 10, 11)), conv('y', at(2026, 3, 10, 1))], now))
      .toEqual([{ label: 'Today', items: [conv('x', at(2026, 3, 10, 11)), conv('y', at(2026, 3, 10, 1))] }])
    expect(groupByDate([], now)).toEqual([])
  })
})
