import type { Message } from '@pipit/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testPlatform } from '../testing/test-platform'
import { createMemoryStore } from './platform'
import { createCore, EXPOSURE_EVENT } from './tracker'
import type { TrackerOptions } from './types'

const options: TrackerOptions = {
  writeKey: 'pk_test',
  host: 'https://collector.test',
  consent: 'granted',
}
type Any = Message & {
  event?: string
  userId?: string
  properties?: Record<string, unknown>
  traits?: Record<string, unknown>
  context: Record<string, unknown> & { session: { id: number; isNew: boolean } }
}
const all = (t: ReturnType<typeof testPlatform>) => t.messages() as Any[]

describe('tracker API', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('identify ties later events to the user with merged traits; reset starts a new anonymous id and session', async () => {
    const t = testPlatform()
    const tracker = createCore(options, t.platform)
    await tracker.ready()
    tracker.track('before')
    tracker.identify('user-1', { plan: 'free' })
    tracker.identify('user-1', { email_verified: true })
    tracker.track('after')
    await vi.advanceTimersByTimeAsync(1_000) // session ids are start times in ms
    tracker.reset()
    tracker.track('logged out')
    await tracker.flush()

    const [before, id1, , after, out] = all(t)
    expect(before!.userId).toBeUndefined()
    expect(id1).toMatchObject({ type: 'identify', userId: 'user-1', traits: { plan: 'free' } })
    expect(after).toMatchObject({
      userId: 'user-1',
      anonymousId: before!.anonymousId,
      context: { traits: { plan: 'free', email_verified: true } },
    })
    expect(out!.userId).toBeUndefined()
    expect(out!.context.traits).toBeUndefined()
    expect(out!.anonymousId).not.toBe(before!.anonymousId)
    expect(out!.context.session.id).not.toBe(before!.context.session.id)
    expect(out!.context.session.isNew).toBe(true)
  })

  it('keeps one session across tabs and reloads; a new one after 30 min idle or 24 h', async () => {
    const storage = createMemoryStore()
    const a = testPlatform({ storage })
    const tabA = createCore(options, a.platform)
    tabA.track('a1')
    await tabA.flush()
    await vi.advanceTimersByTimeAsync(60_000)
    const b = testPlatform({ storage })
    const tabB = createCore(options, b.platform)
    await tabB.ready()
    tabB.track('b1')
    await tabB.flush()
    const first = all(a)[0]!.context.session.id
    expect(all(b)[0]!.context.session).toMatchObject({ id: first, isNew: false })

    await vi.advanceTimersByTimeAsync(29 * 60_000)
    tabB.track('b2 (29 min later)')
    await vi.advanceTimersByTimeAsync(30 * 60_000 + 1)
    tabB.track('b3 (30 min idle)')
    await tabB.flush()
    const [, b2, b3] = all(b)
    expect(b2!.context.session.id).toBe(first)
    expect(b3!.context.session).toMatchObject({ isNew: true })
    expect(b3!.context.session.id).toBeGreaterThan(first)

    // Active every 20 minutes for a day: still a new session after 24 h.
    const day = b3!.context.session.id
    for (let i = 0; i < 73; i++) {
      await vi.advanceTimersByTimeAsync(20 * 60_000)
      tabB.track('busy')
    }
    await tabB.flush()
    const sessions = new Set(
      all(b)
        .slice(3)
        .map((m) => m.context.session.id),
    )
    expect(sessions.size).toBe(2)
    expect([...sessions][1]! - day).toBeGreaterThanOrEqual(24 * 60 * 60_000)
  })

  it('assigns stable variants, honours weights, and tracks one exposure per experiment and user', async () => {
    const storage = createMemoryStore()
    const t = testPlatform({ storage })
    const tracker = createCore(options, t.platform)
    expect(tracker.getVariant('pricing', ['control', 'test'])).toBe('control') // not loaded yet
    await tracker.ready()
    const v = tracker.getVariant('pricing', ['control', 'test'])
    for (let i = 0; i < 5; i++) expect(tracker.getVariant('pricing', ['control', 'test'])).toBe(v)
    expect(tracker.getVariant('all-in', ['a', 'b', 'c'], [0, 1, 0])).toBe('b')
    await tracker.flush()

    // After a reload: same variant, no second exposure.
    const again = testPlatform({ storage })
    const reloaded = createCore(options, again.platform)
    await reloaded.ready()
    expect(reloaded.getVariant('pricing', ['control', 'test'])).toBe(v)
    await reloaded.flush()
    const exposures = [...all(t), ...all(again)].filter((m) => m.event === EXPOSURE_EVENT)
    expect(exposures.map((m) => m.properties)).toEqual([
      { experiment_id: 'pricing', variant: v },
      { experiment_id: 'all-in', variant: 'b' },
    ])

    // A user who logs in is a new unit: one exposure for them too.
    reloaded.identify('user-9')
    reloaded.getVariant('pricing', ['control', 'test'])
    reloaded.getVariant('pricing', ['control', 'test'])
    await reloaded.flush()
    expect(all(again).filter((m) => m.event === EXPOSURE_EVENT)).toHaveLength(1)
  })

  it('splits many users by the weights', async () => {
    let test = 0
    for (let i = 0; i < 2_000; i++) {
      const t = testPlatform()
      const tracker = createCore(options, t.platform)
      await tracker.ready()
      if (tracker.getVariant('split', ['control', 'test'], [80, 20]) === 'test') test++
      tracker.shutdown()
    }
    expect(test / 2_000).toBeGreaterThan(0.17)
    expect(test / 2_000).toBeLessThan(0.23)
  })

  it('sends first- and last-touch attribution in context.campaign as Segment places it', async () => {
    const storage = createMemoryStore()
    const landing = 'https://shop.test/?utm_source=news&utm_medium=email&utm_campaign=may&gclid=G1'
    const first = testPlatform({
      storage,
      context: {
        page: { path: '/', url: landing, referrer: 'https://mail.test/', title: '', search: '' },
      },
    })
    const one = createCore(options, first.platform)
    one.page()
    await one.flush()
    expect(all(first)[0]!.context).toMatchObject({
      campaign: { source: 'news', medium: 'email', name: 'may', gclid: 'G1' },
      firstTouch: { source: 'news', referrer: 'https://mail.test/', landing },
    })

    // A later visit from a search engine: last touch changes, first touch stays.
    const second = testPlatform({
      storage,
      context: {
        page: {
          path: '/x',
          url: 'https://shop.test/x',
          referrer: 'https://www.google.com/',
          title: '',
          search: '',
        },
      },
    })
    const two = createCore(options, second.platform)
    two.page()
    await two.flush()
    const ctx = all(second)[0]!.context
    expect(ctx.campaign).toEqual({
      referrer: 'https://www.google.com/',
      landing: 'https://shop.test/x',
    })
    expect(ctx.firstTouch).toMatchObject({ source: 'news', gclid: 'G1' })
  })

  it('tracks SPA navigations as page views, once per URL', async () => {
    const t = testPlatform()
    const tracker = createCore({ ...options, autoPageviews: true }, t.platform)
    t.navigate('https://x.test/a')
    t.navigate('https://x.test/a') // replaceState to the same URL
    t.navigate('https://x.test/b?q=1')
    t.navigate('https://x.test/a') // back
    await tracker.flush()
    expect(all(t).map((m) => (m.properties as { url: string }).url)).toEqual([
      'https://x.test/p',
      'https://x.test/a',
      'https://x.test/b?q=1',
      'https://x.test/a',
    ])
  })

  it('lets beforeSend edit or drop events, and survives it throwing', async () => {
    const dropped: string[] = []
    const t = testPlatform()
    const tracker = createCore(
      {
        ...options,
        beforeSend: (m) => {
          const e = m as Any
          if (e.event === 'secret') return null
          if (e.event === 'boom') throw new Error('bug in beforeSend')
          return { ...m, properties: { ...e.properties, email: '[redacted]' } }
        },
        onDrop: (ms, reason) => dropped.push(`${(ms[0] as Any).event}:${reason}`),
      },
      t.platform,
    )
    tracker.track('signup', { email: 'a@b.test' })
    tracker.track('secret')
    tracker.track('boom')
    await tracker.flush()
    expect(all(t).map((m) => [m.event, m.properties?.email])).toEqual([
      ['signup', '[redacted]'],
      ['boom', undefined],
    ])
    expect(dropped).toEqual(['secret:filtered'])
    expect(tracker.stats().dropped.filtered).toBe(1)
  })

  it('gives a tracker that does nothing, and says so once, for bad options', async () => {
    for (const bad of [
      {},
      { writeKey: '', host: 'https://c.test' },
      { writeKey: 'pk', host: 'not a url' },
      null,
    ]) {
      const t = testPlatform()
      const tracker = createCore(bad as TrackerOptions, t.platform)
      expect(() => {
        tracker.track('x')
        tracker.page()
        tracker.identify('u')
        tracker.reset()
        tracker.setConsent('granted')
        tracker.shutdown()
      }).not.toThrow()
      expect(tracker.getVariant('e', ['a', 'b'])).toBe('a')
      await tracker.flush()
      expect(t.sent).toEqual([])
      expect(t.logs.filter((l) => l.level === 'warn')).toHaveLength(1)
    }
  })

  it('checks event names and properties at compile time with an event map', () => {
    const t = testPlatform()
    const tracker = createCore<{ 'Signed Up': { plan: 'free' | 'pro' }; 'Logged Out': undefined }>(
      options,
      t.platform,
    )
    tracker.track('Signed Up', { plan: 'pro' })
    tracker.track('Logged Out')
    // @ts-expect-error: not an event of the map
    tracker.track('Signed Upp')
    // @ts-expect-error: wrong property type
    tracker.track('Signed Up', { plan: 'enterprise' })
    expect(t.sent).toEqual([])
  })
})
