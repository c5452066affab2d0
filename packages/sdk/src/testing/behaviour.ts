import type { Message } from '@pipit/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EXPOSURE_EVENT } from '../core/tracker'
import type { Tracker, TrackerOptions } from '../core/types'
import { fakeCollector } from './react-native'

/** One platform under the shared suite: its storage survives `start()` calls (reloads, app restarts). */
export interface Harness {
  /** Starts a tracker (a page load, an app start) on the harness's storage. */
  start(options: TrackerOptions): Tracker
  /** Tells the platform the network is gone or back, as the host would. */
  setOnline(online: boolean): void
  /**
   * How long events left by an earlier start may wait before this one sends
   * them: a browser tab adopts another page's events once they are 30 s old;
   * an app owns them at once.
   */
  adoptAfterMs: number
}

type Any = Message & {
  event?: string
  name?: string
  userId?: string
  properties?: Record<string, unknown>
  context: Record<string, unknown> & { session: { id: number; isNew: boolean } }
}

const options: TrackerOptions = { writeKey: 'pk_test', host: 'https://collector.test/' }

/**
 * What the tracker promises on every platform, run against each platform's
 * own storage, queue and transport, with a fake collector behind the global
 * `fetch` and fake timers.
 *
 * @example
 * describeTrackerBehaviour('react-native', () => reactNativeHarness())
 */
export function describeTrackerBehaviour(platform: string, makeHarness: () => Harness): void {
  describe(`tracker behaviour on ${platform}`, () => {
    let collector: ReturnType<typeof fakeCollector>
    let h: Harness
    const live: Tracker[] = []
    const start = (extra: Partial<TrackerOptions> = {}) => {
      const tracker = h.start({ ...options, ...extra })
      live.push(tracker)
      return tracker
    }
    const restart = (previous: Tracker, extra: Partial<TrackerOptions> = {}) => {
      previous.shutdown()
      return start(extra)
    }
    const all = () => collector.requests.flatMap((r) => r.batch) as Any[]
    const named = (name: string) => all().find((m) => (m.event ?? m.name) === name)!

    beforeEach(() => {
      vi.useFakeTimers()
      vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
      collector = fakeCollector()
      vi.stubGlobal('fetch', collector.fetch)
      h = makeHarness()
    })
    afterEach(() => {
      live.splice(0).forEach((t) => t.shutdown())
      vi.unstubAllGlobals()
      vi.useRealTimers()
    })

    it('sends Segment track, screen and identify messages with ids, session and library to host/v1/batch', async () => {
      const tracker = start({ consent: 'granted' })
      tracker.track('Signed Up', { plan: 'pro' })
      tracker.screen('Pricing', { from: 'home' })
      tracker.identify('user-1', { plan: 'pro' })
      await tracker.flush()

      expect(collector.requests.map((r) => r.url)).toEqual(['https://collector.test/v1/batch'])
      const [track, screen, identify] = all()
      expect(track).toMatchObject({
        type: 'track',
        event: 'Signed Up',
        properties: { plan: 'pro' },
        timestamp: '2026-05-01T12:00:00.000Z',
        context: { library: { name: '@pipit/sdk' }, session: { isNew: true } },
      })
      expect(screen).toMatchObject({
        type: 'screen',
        name: 'Pricing',
        properties: { from: 'home' },
      })
      expect(identify).toMatchObject({
        type: 'identify',
        userId: 'user-1',
        traits: { plan: 'pro' },
      })
      expect(new Set(all().map((m) => m.anonymousId)).size).toBe(1)
      expect(new Set(all().map((m) => m.messageId)).size).toBe(3)
      expect(track!.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
    })

    it('while consent is pending sends nothing, then replays held events on grant; the grant survives a restart', async () => {
      const first = start()
      first.track('before')
      await vi.advanceTimersByTimeAsync(60_000)
      expect(first.consent).toBe('pending')
      expect(collector.requests).toEqual([])
      first.setConsent('granted')
      first.track('after')
      await first.flush()
      expect(collector.sent()).toEqual(['before', 'after'])

      const second = restart(first)
      await second.ready()
      expect(second.consent).toBe('granted')
      second.track('next start')
      await second.flush()
      expect(collector.sent()).toEqual(['before', 'after', 'next start'])
      expect(named('next start').anonymousId).toBe(named('before').anonymousId)
    })

    it('on deny wipes what was queued, and stays denied after a restart', async () => {
      const first = start({ consent: 'granted' })
      collector.answers.push({ status: 503 })
      first.track('queued')
      await first.flush()
      first.setConsent('denied')
      first.track('ignored')
      await first.ready()

      const second = restart(first)
      await second.ready()
      second.track('ignored too')
      await vi.advanceTimersByTimeAsync(10 * 60_000)
      expect(second.consent).toBe('denied')
      expect(collector.sent()).toEqual(['queued'])
      expect(collector.received()).toEqual([])
    })

    it('sends batches of maxBatchSize in order, each event once', async () => {
      const tracker = start({ consent: 'granted' })
      await tracker.flush()
      for (let i = 0; i < 45; i++) tracker.track(`e${i}`)
      await tracker.flush()
      expect(collector.requests.map((r) => r.batch.length)).toEqual([20, 20, 5])
      expect(collector.sent()).toEqual(Array.from({ length: 45 }, (_, i) => `e${i}`))
    })

    it('delivers, once each, what an earlier start left queued', async () => {
      const first = start({ consent: 'granted' })
      collector.answers.push({ status: 503 })
      first.track('left behind 1')
      first.track('left behind 2')
      await first.flush()

      const second = restart(first)
      await second.ready()
      await vi.advanceTimersByTimeAsync(h.adoptAfterMs + 1_000)
      expect(collector.received()).toEqual(['left behind 1', 'left behind 2'])
      expect(collector.sent()).toEqual([
        'left behind 1',
        'left behind 2',
        'left behind 1',
        'left behind 2',
      ])
    })

    it('retries 5xx and 429 until delivered, and drops only the events a 200 rejects', async () => {
      const drops: string[] = []
      const tracker = start({
        consent: 'granted',
        onDrop: (ms, reason) => ms.forEach((m) => drops.push(`${(m as Any).event}:${reason}`)),
      })
      await tracker.flush()
      collector.answers.push(
        { status: 500 },
        { status: 429, retryAfter: '2' },
        { status: 200, body: { success: true, rejected: [{ index: 1, message: 'bad' }] } },
      )
      tracker.track('good')
      tracker.track('bad')
      await tracker.flush()
      await vi.advanceTimersByTimeAsync(5_000)
      expect(collector.requests).toHaveLength(3)
      expect(drops).toEqual(['bad:rejected'])
      expect(tracker.stats()).toMatchObject({ sent: 1, retried: 4 })
      await vi.advanceTimersByTimeAsync(60_000)
      expect(collector.requests).toHaveLength(3)
    })

    it('holds events while offline, without retrying, and sends them when the network returns', async () => {
      const tracker = start({ consent: 'granted' })
      await tracker.flush()
      h.setOnline(false)
      tracker.track('on the train')
      await vi.advanceTimersByTimeAsync(10 * 60_000)
      expect(collector.requests).toEqual([])
      h.setOnline(true)
      await vi.advanceTimersByTimeAsync(0)
      await tracker.flush()
      expect(collector.sent()).toEqual(['on the train'])
      expect(tracker.stats()).toMatchObject({ sent: 1, retried: 0 })
    })

    it('keeps the variant across restarts and tracks one exposure per experiment and user', async () => {
      const first = start({ consent: 'granted' })
      await first.ready()
      const variant = first.getVariant('checkout', ['a', 'b', 'c'])
      expect(first.getVariant('checkout', ['a', 'b', 'c'])).toBe(variant)
      await first.flush()
      const second = restart(first)
      await second.ready()
      expect(second.getVariant('checkout', ['a', 'b', 'c'])).toBe(variant)
      await second.flush()
      expect(all().filter((m) => m.event === EXPOSURE_EVENT)).toHaveLength(1)
      expect(named(EXPOSURE_EVENT).properties).toEqual({ experiment_id: 'checkout', variant })
    })

    it('starts a new session after 30 minutes without events', async () => {
      const tracker = start({ consent: 'granted' })
      tracker.track('a')
      await vi.advanceTimersByTimeAsync(29 * 60_000)
      tracker.track('b')
      await vi.advanceTimersByTimeAsync(31 * 60_000)
      tracker.track('c')
      await tracker.flush()
      const [a, b, c] = ['a', 'b', 'c'].map((n) => named(n).context.session)
      expect(b!.id).toBe(a!.id)
      expect(c!.id).not.toBe(a!.id)
      expect([a!.isNew, b!.isNew, c!.isNew]).toEqual([true, false, true])
    })
  })
}
