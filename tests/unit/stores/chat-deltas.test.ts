// @vitest-environment happy-dom
/**
 * Streamed deltas reach the reply once per frame (stores/chat-deltas.ts, stores/chat-turn.ts streamInto): order kept,
 * nothing lost when the turn ends, stops or fails, a withdrawn answer drops what was held, and a step comes after
 * the text before it. The frame clock is driven by hand; one test runs the page's own clock (rAF or its fallback).
 */
import { reactive, watch } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import type { StoredMessage } from '../../../src/conversations/types'
import { deltaBatcher, nextFrame, type FrameScheduler } from '../../../src/stores/chat-deltas'
import { streamInto } from '../../../src/stores/chat-turn'

/** A frame clock run by hand: `frame()` runs what was scheduled for the next frame. */
function manualFrames() {
  let due: (() => void)[] = []
  const schedule: FrameScheduler = (run) => {
    due.push(run)
    return () => { due = due.filter(r => r !== run) }
  }
  return { schedule, frame: () => { const runs = due; due = []; runs.forEach(r => r()) }, pending: () => due.length }
}

function reply(): StoredMessage {
  return reactive<StoredMessage>({ id: 'a', conversationId: 'c', seq: 1, role: 'assistant', content: '', status: 'streaming', createdAt: 0 })
}

describe('deltaBatcher', () => {
  it('hands over every delta of a frame once, joined in order, and schedules one frame per batch', () => {
    const clock = manualFrames()
    const applied: string[] = []
    const batch = deltaBatcher(text => applied.push(text), clock.schedule)
    batch.push('Once')
    batch.push(' upon')
    batch.push('')
    batch.push(' a')
    expect(clock.pending()).toBe(1)
    expect(applied).toEqual([])
    clock.frame()
    batch.push(' time')
    clock.frame()
    clock.frame()
    expect(applied).toEqual(['Once upon a', ' time'])
  })

  it('flush hands over what is held at once and cancels its frame; drop forgets it', () => {
    const clock = manualFrames()
    const applied: string[] = []
    const batch = deltaBatcher(text => applied.push(text), clock.schedule)
    batch.push('kept')
    batch.flush()
    expect(applied).toEqual(['kept'])
    expect(clock.pending()).toBe(0)
    batch.push('withdrawn')
    batch.drop()
    clock.frame()
    batch.flush()
    expect(applied).toEqual(['kept'])
  })

  it('the page clock runs a held batch without help (a frame, or the fallback timer in a hidden tab)', async () => {
    const applied: string[] = []
    const batch = deltaBatcher(text => applied.push(text), nextFrame)
    batch.push('a')
    batch.push('b')
    await vi.waitFor(() => expect(applied).toEqual(['ab']))
  })
})

describe('streamInto', () => {
  it('changes the reactive reply once per frame, however many deltas came, and saves it then', async () => {
    const clock = manualFrames()
    const answer = reply()
    const saveSoon = vi.fn()
    const changes: string[] = []
    watch(() => answer.content, c => changes.push(c), { flush: 'sync' })
    const stream = streamInto(answer, saveSoon, clock.schedule)
    for (const d of ['It', ' was', ' a', ' dark'])
      stream.onDelta(d)
    expect(answer.content).toBe('')
    expect(saveSoon).not.toHaveBeenCalled()
    expect(stream.timing.answeredAt).toBeGreaterThan(0)
    clock.frame()
    stream.onDelta(' night')
    clock.frame()
    expect(changes).toEqual(['It was a dark', 'It was a dark night'])
    expect(saveSoon).toHaveBeenCalledTimes(2)
  })

  it('flush (end, Stop, error) writes the held tail before the reply is finished: nothing is lost', () => {
    const clock = manualFrames()
    const answer = reply()
    const stream = streamInto(answer, () => {}, clock.schedule)
    stream.onDelta('The end')
    stream.onDelta(' of it')
    stream.flush()
    expect(answer.content).toBe('The end of it')
    clock.frame()
    expect(answer.content).toBe('The end of it')
  })

  it('a step comes after the text held before it; a withdrawn answer drops the held text too', () => {
    const clock = manualFrames()
    const answer = reply()
    const seen: string[] = []
    const stream = streamInto(answer, m => seen.push(`${m.content}|${m.steps?.length ?? 0}`), clock.schedule)
    stream.onDelta('Thought: look it up')
    stream.onStep({ kind: 'thought', text: 'look it up' })
    expect(seen).toEqual(['Thought: look it up|0', 'Thought: look it up|1'])
    stream.onDelta('half an answer')
    stream.onAnswerReset()
    clock.frame()
    expect(answer.content).toBe('')
    stream.onDelta('The answer')
    clock.frame()
    expect(answer.content).toBe('The answer')
  })
})
