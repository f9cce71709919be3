/** The registry validates before running, bounds each call in time, asks before side effects; the built-in tools. */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { compile } from './compile'
import { builtinTools, ToolRegistry } from '../../../src/agent/tools/registry'
import { dateTimeTool } from '../../../src/agent/tools/datetime'
import { convertUnits } from '../../../src/agent/tools/units'
import type { Tool } from '../../../src/agent/tools/tool'

function spyTool(over: Partial<Tool> = {}): Tool & { runs: unknown[] } {
  const runs: unknown[] = []
  return {
    runs,
    name: 'spy',
    description: 'records calls',
    parameters: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } }, required: ['n'], additionalProperties: false },
    run: (args) => {
      runs.push(args)
      return `got ${String(args.n)}`
    },
    ...over,
  }
}

describe('ToolRegistry', () => {
  it('refuses a tool without a precompiled validator unless a compiler is given (the app compiles nothing at run time)', () => {
    expect(() => new ToolRegistry([spyTool()])).toThrow(/no precompiled validator/)
  })

  it('runs a tool whose arguments match its schema', async () => {
    const tool = spyTool()
    const r = new ToolRegistry([tool], { compile })
    expect(await r.execute('spy', { n: 3 })).toEqual({ content: 'got 3', isError: false })
    expect(tool.runs).toEqual([{ n: 3 }])
  })

  it.each([[{}], [{ n: 'three' }], [{ n: -1 }], [{ n: 1, extra: true }], ['not an object']])('refuses %j without running the tool', async (args) => {
    const tool = spyTool()
    const result = await new ToolRegistry([tool], { compile }).execute('spy', args)
    expect(result.isError).toBe(true)
    expect(result.content).toMatch(/Invalid arguments for spy/)
    expect(result.invalid).toBe('invalid_arguments')
    expect(tool.runs).toEqual([])
  })

  it('answers an unknown tool with an error observation', async () => {
    expect(await new ToolRegistry([spyTool()], { compile }).execute('rm', {})).toEqual({ content: 'There is no tool "rm". Available: spy.', isError: true, invalid: 'unknown_tool' })
  })

  it('turns a throwing tool into an error observation', async () => {
    const r = new ToolRegistry([spyTool({ run: () => { throw new Error('boom') } })], { compile })
    expect(await r.execute('spy', { n: 1 })).toEqual({ content: 'spy failed: boom', isError: true })
  })

  it('stops a tool that runs past its time limit and aborts its signal', async () => {
    let signal: AbortSignal | undefined
    const hang = spyTool({ run: (_a, ctx) => { signal = ctx.signal; return new Promise<string>(() => {}) } })
    const result = await new ToolRegistry([hang], { timeoutMs: 50, compile }).execute('spy', { n: 1 })
    expect(result).toEqual({ content: 'spy did not finish within 50 ms.', isError: true })
    expect(signal?.aborted).toBe(true)
  })

  it('asks before a tool with side effects, and does not run it when refused or when nobody can be asked', async () => {
    const tool = spyTool({ hasSideEffects: true })
    const r = new ToolRegistry([tool], { compile })
    const asked: unknown[] = []
    expect((await r.execute('spy', { n: 1 })).content).toMatch(/did not allow/)
    expect((await r.execute('spy', { n: 2 }, { confirm: async (q) => { asked.push(q); return false } })).isError).toBe(true)
    expect(tool.runs).toEqual([])
    expect(await r.execute('spy', { n: 3 }, { confirm: async () => true })).toEqual({ content: 'got 3', isError: false })
    expect(asked).toEqual([{ name: 'spy', args: { n: 2 } }])
    expect(tool.runs).toEqual([{ n: 3 }])
  })

  it('offers only the tools switched on', () => {
    const r = new ToolRegistry(builtinTools(), { enabled: ['calculator', 'datetime'] })
    expect(r.definitions().map(d => d.function.name)).toEqual(['calculator', 'datetime'])
    expect(r.get('save_note')).toBeUndefined()
  })
})

describe('built-in tools', () => {
  const all = new ToolRegistry(builtinTools())

  it('calculator through the registry', async () => {
    expect(await all.execute('calculator', { expression: '6 * 7' })).toEqual({ content: '42', isError: false })
    expect((await all.execute('calculator', { expression: 'process.exit()' })).isError).toBe(true)
  })

  it('datetime in a time zone, and an unknown zone as an error', async () => {
    const tool = dateTimeTool(() => new Date('2026-01-15T12:00:00Z'))
    expect(await tool.run({ timeZone: 'Asia/Tokyo' }, { signal: new AbortController().signal })).toMatch(/Thursday.*15 January 2026.*21:00:00/)
    expect(() => tool.run({ timeZone: 'Mars/Olympus' }, { signal: new AbortController().signal })).toThrow(/not a time zone/)
  })

  it('unit conversion', () => {
    expect(convertUnits(1, 'mi', 'km')).toBeCloseTo(1.609344, 9)
    expect(convertUnits(100, 'C', 'F')).toBeCloseTo(212, 9)
    expect(convertUnits(1, 'GiB', 'MB')).toBeCloseTo(1073.741824, 9)
    expect(() => convertUnits(1, 'kg', 'm')).toThrow(/mass.*length/)
    expect(() => convertUnits(1, 'parsec', 'm')).toThrow(/Unknown unit/)
  })

  it('notes are saved (after confirmation) and found by words', async () => {
    const confirm = async () => true
    await all.execute('save_note', { text: 'Buy oat milk on Friday' }, { confirm })
    await all.execute('save_note', { text: 'Call the dentist' }, { confirm })
    expect((await all.execute('search_notes', { query: 'milk friday' })).content).toMatch(/Buy oat milk on Friday/)
    expect((await all.execute('search_notes', { query: 'milk friday' })).content).not.toMatch(/dentist/)
    expect((await all.execute('search_notes', { query: 'holiday' })).content).toBe('No notes match.')
  })
})
