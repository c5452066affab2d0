import type { Message } from '@pipit/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Answer } from '../testing/test-platform'
import { ok, testPlatform } from '../testing/test-platform'
import { createMemoryStore } from './platform'
import type { Entry } from './queue'
import { QUEUE_KEY } from './queue'
import { UNLOAD_BYTES } from './sender'
import { createCore } from './tracker'

const options = { writeKey: 'pk_test', host: 'https://collector.test', consent: 'granted' as const }
const ids = (ms: Message[]) => ms.map((m) => m.messageId)
const unique = (ms: Message[]) => new Set(ids(ms)).size

describe('delivery', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
    vi.spyOn(Math, 'random').mockReturnValue(1)
  })
  afterEach(() => vi.useRealTimers())

  it('retries network errors, 408, 429 and 5xx with backoff until delivered, losing nothing', async () => {
    const fail =
      (status: number): Answer =>
      () => ({ status })
    const t = testPlatform({
      answers: [
        () => Promise.reject(new TypeError('offline')),
        fail(408),
        fail(429),
        fail(500),
        fail(503),
      ],
    })
    const tracker = createCore(options, t.platform)
    tracker.track('a')
    tracker.track('b')
    await tracker.flush()
    expect(t.sent).toHaveLength(1)
    // Backoff (random = 1): 1 s, 2 s, 4 s, 8 s, 16 s.
    await vi.advanceTimersByTimeAsync(999)
    expect(t.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1 + 2_000 + 4_000 + 8_000 + 16_000)
    expect(t.sent).toHaveLength(6)
    expect(t.sent.every((r) => r.payload.batch.length === 2)).toBe(true)
    expect(unique(t.messages())).toBe(2)
    expect(tracker.stats()).toMatchObject({ sent: 2, retried: 10 })
    await vi.runAllTimersAsync()
    expect(t.sent).toHaveLength(6)
  })

  it('waits as long as Retry-After asks, even if flushed meanwhile', async () => {
    const t = testPlatform({ answers: [() => ({ status: 429, retryAfter: '30' })] })
    const tracker = createCore(options, t.platform)
    tracker.track('a')
    await tracker.flush()
    await vi.advanceTimersByTimeAsync(29_000)
    await tracker.flush()
    expect(t.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(t.sent).toHaveLength(2)
  })

  it('gives up retrying on its own after the budget, keeping the events for the next trigger', async () => {
    const store = createMemoryStore()
    const t = testPlatform({
      storage: store,
      answers: Array.from({ length: 50 }, () => () => ({ status: 503 })),
    })
    const tracker = createCore({ ...options, retryBudget: 60_000 }, t.platform)
    tracker.track('a')
    await vi.advanceTimersByTimeAsync(3_600_000)
    const attempts = t.sent.length
    expect(attempts).toBeGreaterThan(3)
    expect(attempts).toBeLessThan(10)
    expect((await store.get<Entry[]>(QUEUE_KEY))!).toHaveLength(1)
  })

  it('splits a batch the collector finds too large (413), and drops a lone event that is', async () => {
    const onDrop = vi.fn()
    const t = testPlatform({
      answers: [
        (r) => ({
          status: r.payload.batch.length > 2 ? 413 : 200,
          body: { success: true, rejected: [] },
        }),
        () => ({ status: 413 }),
        ok,
        ok,
      ],
    })
    const tracker = createCore({ ...options, onDrop }, t.platform)
    for (let i = 0; i < 5; i++) tracker.track(`e${i}`)
    await tracker.flush()
    expect(t.sent.map((r) => r.payload.batch.length)).toEqual([5, 3, 2, 1, 2])
    await vi.runAllTimersAsync()
    expect(tracker.stats()).toMatchObject({ sent: 5 })

    const lone = testPlatform({ answers: [() => ({ status: 413 })] })
    const tracker2 = createCore({ ...options, onDrop }, lone.platform)
    tracker2.track('huge')
    await tracker2.flush()
    expect(tracker2.stats().dropped.too_large).toBe(1)
    expect(onDrop).toHaveBeenLastCalledWith(
      [expect.objectContaining({ event: 'huge' })],
      'too_large',
    )
  })

  it('drops only the events the collector rejected, and reports them', async () => {
    const onDrop = vi.fn()
    const store = createMemoryStore()
    const t = testPlatform({
      storage: store,
      answers: [
        () => ({
          status: 200,
          body: {
            success: true,
            accepted: 2,
            rejected: [{ index: 1, code: 'invalid_event', message: 'x' }],
          },
        }),
      ],
    })
    const tracker = createCore({ ...options, onDrop }, t.platform)
    tracker.track('good')
    tracker.track('bad')
    tracker.track('good too')
    await tracker.flush()
    expect(onDrop).toHaveBeenCalledWith([expect.objectContaining({ event: 'bad' })], 'rejected')
    expect(tracker.stats()).toMatchObject({ sent: 2, dropped: { rejected: 1 } })
    expect(await store.get(QUEUE_KEY)).toBeUndefined()
  })

  it('pauses on 401 keeping the events', async () => {
    const store = createMemoryStore()
    const t = testPlatform({ storage: store, answers: [() => ({ status: 401 })] })
    const tracker = createCore(options, t.platform)
    tracker.track('a')
    await tracker.flush()
    tracker.track('b')
    await vi.runAllTimersAsync()
    expect(t.sent).toHaveLength(1)
    expect((await store.get<Entry[]>(QUEUE_KEY))!).toHaveLength(2)
  })

  it('sends nothing while offline and everything once back online', async () => {
    const t = testPlatform()
    t.setOnline(false)
    const tracker = createCore(options, t.platform)
    tracker.track('a')
    tracker.track('b')
    await vi.advanceTimersByTimeAsync(60_000)
    t.hide()
    expect(t.sent).toHaveLength(0)
    t.setOnline(true)
    await vi.advanceTimersByTimeAsync(0)
    await tracker.flush()
    expect(t.messages().map((m) => (m as { event: string }).event)).toEqual(['a', 'b'])
  })

  it('on page hide sends this tab’s waiting events at once with keepalive, within the budget', async () => {
    const store = createMemoryStore()
    const t = testPlatform({ storage: store })
    const tracker = createCore(options, t.platform)
    await tracker.ready()
    for (let i = 0; i < 40; i++) tracker.track('e', { blob: 'x'.repeat(1_000) })
    t.hide()
    t.hide() // pagehide after visibilitychange: nothing twice
    const unloading = t.sent.filter((r) => r.unloading)
    expect(unloading).toHaveLength(1)
    expect(unloading[0]!.body.length).toBeLessThanOrEqual(UNLOAD_BYTES)
    const first = unloading[0]!.payload.batch.length
    expect(first).toBeGreaterThan(15)
    expect(first).toBeLessThan(40)
    await vi.runAllTimersAsync()
    await tracker.flush()
    expect(t.messages()).toHaveLength(40)
    expect(unique(t.messages())).toBe(40)
    expect(await store.get(QUEUE_KEY)).toBeUndefined()
  })

  it('a later page sends what a closed page left, once it counts as orphaned, with no new event', async () => {
    const store = createMemoryStore()
    const first = testPlatform({ storage: store })
    const closed = createCore(options, first.platform)
    first.setOnline(false)
    closed.track('left behind')
    await closed.ready()
    await vi.advanceTimersByTimeAsync(6_000)
    closed.shutdown()
    expect(first.sent).toHaveLength(0)
    // The next page load, ten seconds later: nothing tracked on it.
    await vi.advanceTimersByTimeAsync(10_000)
    const next = testPlatform({ storage: store })
    createCore(options, next.platform)
    // Orphaned 30 s after it was queued: at 30 s, not before.
    await vi.advanceTimersByTimeAsync(13_000)
    expect(next.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(next.messages().map((m) => m.type === 'track' && m.event)).toEqual(['left behind'])
    expect(await store.get(QUEUE_KEY)).toBeUndefined()
  })

  it('two tabs sharing one queue never send the same event', async () => {
    const store = createMemoryStore()
    const a = testPlatform({ storage: store })
    const b = testPlatform({ storage: store })
    const ta = createCore({ ...options, maxBatchSize: 7 }, a.platform)
    const tb = createCore({ ...options, maxBatchSize: 7 }, b.platform)
    for (let i = 0; i < 50; i++) {
      ta.track(`a${i}`)
      tb.track(`b${i}`)
      if (i % 10 === 0) await vi.advanceTimersByTimeAsync(40_000)
    }
    await Promise.all([ta.flush(), tb.flush()])
    await vi.runAllTimersAsync()
    const all = [...a.messages(), ...b.messages()]
    expect(all).toHaveLength(100)
    expect(unique(all)).toBe(100)
  })
})
