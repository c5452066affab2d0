import type { Message } from '@pipit/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testPlatform } from '../testing/test-platform'
import type { KeyValueStore } from './platform'
import { createMemoryStore } from './platform'
import type { Entry } from './queue'
import { QUEUE_KEY } from './queue'
import { CONSENT_KEY, createCore, USER_KEY } from './tracker'
import type { TrackerOptions } from './types'

const options: TrackerOptions = {
  writeKey: 'pk_test',
  host: 'https://collector.test/',
  consent: 'granted',
}

/** A memory store that records every key written. */
function recordingStore() {
  const store = createMemoryStore()
  const writes: string[] = []
  const recording: KeyValueStore = {
    get: (k) => store.get(k),
    set: (k, v) => (writes.push(k), store.set(k, v)),
    del: (k) => (writes.push(k), store.del(k)),
    update: (k, fn) => (writes.push(k), store.update(k, fn)),
  }
  return { store: recording, writes }
}

const names = (ms: Message[]) => ms.map((m) => (m as { event?: string }).event ?? m.type)

describe('createCore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('sends Segment messages to host/v1/batch with ids, session, page and library context', async () => {
    const t = testPlatform()
    const tracker = createCore(options, t.platform)
    tracker.track('Signed Up', { plan: 'pro' })
    tracker.page('Pricing', { experiment: 'a' })
    await tracker.flush()

    expect(t.sent).toHaveLength(1)
    const [req] = t.sent
    expect(req!.url).toBe('https://collector.test/v1/batch')
    expect(req!.payload.writeKey).toBe('pk_test')
    expect(req!.payload.sentAt).toBe('2026-05-01T12:00:00.000Z')
    const [track, page] = req!.payload.batch
    expect(track).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      timestamp: '2026-05-01T12:00:00.000Z',
      context: {
        library: { name: '@pipit/sdk' },
        page: { path: '/p' },
        session: {
          id: Date.parse('2026-05-01T12:00:00.000Z'),
          start: '2026-05-01T12:00:00.000Z',
          isNew: true,
        },
      },
    })
    expect(page).toMatchObject({
      type: 'page',
      name: 'Pricing',
      properties: { path: '/p', url: 'https://x.test/p', title: 'P', experiment: 'a' },
      context: { session: { isNew: false } },
    })
    expect(track!.anonymousId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(track!.anonymousId).toBe(page!.anonymousId)
    expect(track!.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
    expect(track!.messageId).not.toBe(page!.messageId)
    expect(tracker.stats()).toMatchObject({ queued: 2, sent: 2, retried: 0 })
  })

  describe('consent', () => {
    it('while pending writes nothing, sends nothing, and replays held events with their times on grant', async () => {
      const { store, writes } = recordingStore()
      const t = testPlatform({ storage: store })
      const tracker = createCore({ ...options, consent: undefined }, t.platform)
      expect(tracker.consent).toBe('pending')
      tracker.track('before')
      tracker.identify('u1', { plan: 'pro' })
      await vi.advanceTimersByTimeAsync(60_000)
      await tracker.flush()
      t.hide()
      expect(t.sent).toEqual([])
      expect(writes).toEqual([])

      tracker.setConsent('granted')
      tracker.track('after')
      await tracker.flush()
      const ms = t.messages()
      expect(names(ms)).toEqual(['before', 'identify', 'after'])
      expect(ms[0]!.timestamp).toBe('2026-05-01T12:00:00.000Z')
      expect(ms[2]!.timestamp).toBe('2026-05-01T12:01:00.000Z')
      expect(new Set(ms.map((m) => m.anonymousId)).size).toBe(1)
      expect(ms.map((m) => m.userId)).toEqual(['u1', 'u1', 'u1'])
      expect(await store.get(CONSENT_KEY)).toBe('granted')
    })

    it('on deny drops held events, wipes queue and ids, and stays denied after a reload', async () => {
      const { store } = recordingStore()
      const t = testPlatform({ storage: store, answers: [() => ({ status: 503 })] })
      const tracker = createCore(options, t.platform)
      tracker.identify('u1')
      tracker.track('queued')
      await tracker.flush()
      expect((await store.get<Entry[]>(QUEUE_KEY))!.length).toBe(2)

      tracker.setConsent('denied')
      tracker.track('ignored')
      await tracker.ready()
      expect(await store.get(QUEUE_KEY)).toBeUndefined()
      expect(await store.get(USER_KEY)).toBeUndefined()
      expect(await store.get(CONSENT_KEY)).toBe('denied')
      expect(tracker.stats().dropped.consent).toBe(1)
      await vi.advanceTimersByTimeAsync(120_000)
      expect(t.sent).toHaveLength(1)

      const reloaded = createCore(
        { ...options, consent: undefined },
        testPlatform({ storage: store }).platform,
      )
      await reloaded.ready()
      expect(reloaded.consent).toBe('denied')
    })

    it('persists a grant across reloads with the same anonymous id', async () => {
      const store = createMemoryStore()
      const a = testPlatform({ storage: store })
      const first = createCore({ ...options, consent: undefined }, a.platform)
      first.setConsent('granted')
      first.track('one')
      await first.flush()
      first.shutdown()
      const b = testPlatform({ storage: store })
      const second = createCore({ ...options, consent: undefined }, b.platform)
      second.track('two')
      await second.flush()
      expect(second.consent).toBe('granted')
      expect(b.messages()[0]!.anonymousId).toBe(a.messages()[0]!.anonymousId)
    })

    it('honours Global Privacy Control by default and Do Not Track when asked', async () => {
      const gpc = testPlatform({ privacy: { globalPrivacyControl: true } })
      const tracker = createCore(options, gpc.platform)
      tracker.setConsent('granted')
      tracker.track('x')
      await tracker.flush()
      expect(tracker.consent).toBe('denied')
      expect(gpc.sent).toEqual([])

      const dnt = testPlatform({ privacy: { doNotTrack: true } })
      createCore(options, dnt.platform).track('y')
      const honouring = createCore({ ...options, honorDoNotTrack: true }, dnt.platform)
      expect(honouring.consent).toBe('denied')
      await vi.runAllTimersAsync()
      expect(names(dnt.messages())).toEqual(['y'])
    })
  })

  describe('batching', () => {
    it('splits what is waiting into batches of maxBatchSize, in order', async () => {
      const t = testPlatform()
      const tracker = createCore({ ...options, maxBatchSize: 20 }, t.platform)
      for (let i = 0; i < 45; i++) tracker.track(`e${i}`)
      await tracker.flush()
      expect(t.sent.map((r) => r.payload.batch.length)).toEqual([20, 20, 5])
      expect(names(t.messages())).toEqual(Array.from({ length: 45 }, (_, i) => `e${i}`))
    })

    it('sends on its own after flushInterval, and by bytes', async () => {
      const t = testPlatform()
      const tracker = createCore(
        { ...options, flushInterval: 1_000, maxBatchBytes: 3_000 },
        t.platform,
      )
      await tracker.ready()
      tracker.track('x')
      await vi.advanceTimersByTimeAsync(999)
      expect(t.sent).toHaveLength(0)
      await vi.advanceTimersByTimeAsync(1)
      expect(t.sent).toHaveLength(1)
      for (let i = 0; i < 4; i++) tracker.track('big', { blob: 'x'.repeat(1_000) })
      await vi.advanceTimersByTimeAsync(10)
      expect(t.sent.slice(1).map((r) => r.payload.batch.length)).toEqual([2, 2])
      for (const r of t.sent) expect(r.body.length).toBeLessThan(3_000 + 200)
    })

    it('stores every event before sending it, and removes it only after a 2xx', async () => {
      const store = createMemoryStore()
      const seen: number[] = []
      const answer = async () => {
        seen.push((await store.get<Entry[]>(QUEUE_KEY))!.length)
        return { status: 200, body: { success: true, rejected: [] } }
      }
      const t = testPlatform({ storage: store, answers: [answer] })
      const tracker = createCore(options, t.platform)
      tracker.track('a')
      tracker.track('b')
      await tracker.flush()
      expect(seen).toEqual([2])
      expect(await store.get(QUEUE_KEY)).toBeUndefined()
    })

    it('evicts the oldest events beyond the queue bound and counts them', async () => {
      const onDrop = vi.fn()
      const t = testPlatform()
      t.setOnline(false)
      const tracker = createCore({ ...options, maxQueueEvents: 5, onDrop }, t.platform)
      for (let i = 0; i < 8; i++) tracker.track(`e${i}`)
      await tracker.flush()
      expect(tracker.stats().dropped.evicted).toBe(3)
      expect(onDrop.mock.calls.flatMap((call) => names(call[0] as Message[]))).toEqual([
        'e0',
        'e1',
        'e2',
      ])
      t.setOnline(true)
      await tracker.flush()
      expect(names(t.messages())).toEqual(['e3', 'e4', 'e5', 'e6', 'e7'])
    })
  })
})
