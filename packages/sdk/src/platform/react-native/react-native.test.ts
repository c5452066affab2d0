import type { Message } from '@pipit/protocol'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTracker } from '../../react-native'
import type { ReactNativeTrackerOptions } from '../../react-native'
import {
  fakeAppState,
  fakeCollector,
  fakeLinking,
  fakeNetInfo,
  memoryAsyncStorage,
} from '../../testing/react-native'
import { EVENT_PREFIX } from './queue'

// The React Native entry under Node, through its public createTracker, with
// in-memory AsyncStorage, AppState, NetInfo and Linking of the real shapes and
// a fake collector behind the global fetch (what Hermes calls).

let collector: ReturnType<typeof fakeCollector>

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-05-01T12:00:00.000Z'))
  collector = fakeCollector()
  vi.stubGlobal('fetch', collector.fetch)
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

/** Starts the app on `disk` (a fresh one by default): a new process on the same storage. */
function start(disk = new Map<string, string>(), extra: Partial<ReactNativeTrackerOptions> = {}) {
  const storage = memoryAsyncStorage(disk)
  const app = fakeAppState()
  const net = fakeNetInfo()
  const tracker = createTracker({
    writeKey: 'pk_test',
    host: 'https://collector.test',
    storage: storage.storage,
    appState: app.appState,
    netInfo: net.netInfo,
    ...extra,
  })
  return { tracker, app, net, disk, calls: storage.calls }
}

const eventKeys = (disk: Map<string, string>) =>
  [...disk.keys()].filter((k) => k.startsWith(EVENT_PREFIX))
const settle = () => vi.advanceTimersByTimeAsync(0)
const all = () => collector.requests.flatMap((r) => r.batch)
const named = (name: string) =>
  all().find((m) => (m as { event?: string }).event === name || m.type === name)!

describe('@pipit/sdk/react-native', () => {
  it('has every event of a 100-event burst on storage, in one write, before the first send starts', async () => {
    const { tracker, disk, calls } = start(undefined, { consent: 'granted' })
    await tracker.ready()
    calls.length = 0
    const onDisk: number[] = []
    vi.stubGlobal('fetch', (url: string, init: { body: string }) => {
      onDisk.push(eventKeys(disk).length)
      return collector.fetch(url, init)
    })

    for (let i = 0; i < 100; i++) tracker.track(`e${i}`)
    await tracker.flush()

    expect(onDisk[0]).toBe(100)
    const eventWrites = calls.filter((c) => c.keys.some((k) => k.startsWith(EVENT_PREFIX)))
    // One multiSet of the 100 events; then one multiRemove per delivered batch of 20.
    expect(eventWrites.map((c) => `${c.op}:${c.keys.length}`)).toEqual([
      'multiSet:100',
      ...Array<string>(5).fill('multiRemove:20'),
    ])
    // The session, touched by each event, is written once too.
    expect(calls.filter((c) => c.op === 'setItem').map((c) => c.keys[0])).toEqual([
      'pipit:v1:session',
    ])
    expect(collector.received()).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`))
    expect(collector.requests.map((r) => r.batch.length)).toEqual([20, 20, 20, 20, 20])
    expect(eventKeys(disk)).toEqual([])
  })

  it('killed mid-send and restarted on the same storage: nothing lost, nothing delivered earlier sent again, the cut-off batch stored once', async () => {
    const first = start(undefined, { consent: 'granted' })
    for (const name of ['a1', 'a2']) first.tracker.track(name)
    await first.tracker.flush()
    // The collector commits the next batch, but the app dies before the answer.
    collector.answers.push('store and hang')
    for (const name of ['b1', 'b2']) first.tracker.track(name)
    void first.tracker.flush()
    await settle()
    first.tracker.track('c1')
    await settle()
    expect(collector.requests).toHaveLength(2)
    expect(eventKeys(first.disk)).toHaveLength(3)
    first.tracker.shutdown() // the process is gone: no timer, no listener of it runs again

    // Cold start: consent comes from storage, every stored event goes at once (no lease to wait out).
    const second = start(first.disk)
    await second.tracker.ready()
    await settle()
    expect(second.tracker.consent).toBe('granted')
    expect(collector.requests.slice(2).map((r) => r.batch.map(nameOf))).toEqual([
      ['b1', 'b2', 'c1'],
    ])
    expect(collector.received()).toEqual(['a1', 'a2', 'b1', 'b2', 'c1'])
    expect([...collector.stored.values()].map((s) => s.times)).toEqual([1, 1, 2, 2, 1])
    expect(eventKeys(second.disk)).toEqual([])
  })

  it('stores the consent: pending writes nothing, granted survives a restart, denied wipes every key and stays', async () => {
    const first = start()
    first.tracker.track('held')
    await first.tracker.ready()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(first.calls).toEqual([])
    expect(collector.requests).toEqual([])

    first.tracker.setConsent('granted')
    await first.tracker.flush()
    expect(collector.received()).toEqual(['held'])
    first.tracker.shutdown()

    const second = start(first.disk)
    await second.tracker.ready()
    expect(second.tracker.consent).toBe('granted')
    collector.answers.push({ status: 503 })
    second.tracker.track('queued')
    await second.tracker.flush()
    expect(eventKeys(second.disk)).toHaveLength(1)
    second.tracker.setConsent('denied')
    await second.tracker.ready()
    expect([...second.disk]).toEqual([['pipit:v1:consent', '"denied"']])
    second.tracker.shutdown()

    const third = start(second.disk)
    await third.tracker.ready()
    third.tracker.track('ignored')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(third.tracker.consent).toBe('denied')
    expect(collector.received()).toEqual(['held'])
    expect([...third.disk.keys()]).toEqual(['pipit:v1:consent'])
  })

  it('sends when the app goes to the background, before the batch timer', async () => {
    const { tracker, app } = start(undefined, { consent: 'granted' })
    await tracker.flush() // the start-up send of what an earlier run left (nothing)
    tracker.track('tapped')
    tracker.screen('Cart')
    await settle()
    expect(collector.requests).toHaveLength(0)
    app.set('inactive')
    await settle()
    expect(collector.requests).toHaveLength(0)
    app.set('background')
    await settle()
    expect(collector.sent()).toEqual(['tapped', 'Cart'])
  })

  it('holds events offline without spending retries, and sends them when the network returns', async () => {
    const { tracker, net } = start(undefined, { consent: 'granted' })
    await settle()
    net.set(false)
    tracker.track('offline 1')
    tracker.track('offline 2')
    await vi.advanceTimersByTimeAsync(20 * 60_000)
    expect(collector.requests).toHaveLength(0)

    // The network drops during a send: held, not retried on a timer.
    collector.answers.push(() => (net.set(false), 'network error'))
    net.set(true)
    await settle()
    expect(collector.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(20 * 60_000)
    expect(collector.requests).toHaveLength(1)
    expect(tracker.stats().retried).toBe(0)

    // Twenty minutes offline spent none of the 15-minute retry budget: a 503 now is retried.
    collector.answers.push({ status: 503 })
    net.set(true)
    await settle()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(collector.requests).toHaveLength(3)
    expect(collector.received()).toEqual(['offline 1', 'offline 2'])
    expect(tracker.stats()).toMatchObject({ sent: 2, retried: 2 })
  })

  it('retries 5xx with backoff and 429 after its Retry-After, delivering each event once', async () => {
    const { tracker } = start(undefined, { consent: 'granted' })
    vi.spyOn(Math, 'random').mockReturnValue(1) // the backoff's jitter at its top: 1 s
    collector.answers.push({ status: 503 }, { status: 429, retryAfter: '7' })
    tracker.track('paid')
    await tracker.flush()
    expect(collector.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(collector.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(collector.requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(6_999)
    expect(collector.requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(collector.requests).toHaveLength(3)
    expect(collector.received()).toEqual(['paid'])
    expect(tracker.stats()).toMatchObject({ sent: 1, retried: 2 })
  })

  it('gives up on a request unanswered for 30 s and retries it, also without AbortController', async () => {
    vi.stubGlobal('AbortController', undefined)
    vi.spyOn(Math, 'random').mockReturnValue(1) // backoff after the first failure: 1 s
    const { tracker } = start(undefined, { consent: 'granted' })
    await tracker.flush()
    collector.answers.push('hang')
    tracker.track('slow network')
    void tracker.flush()
    await vi.advanceTimersByTimeAsync(29_999)
    expect(collector.requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1 + 1_000)
    expect(collector.requests).toHaveLength(2)
    expect(collector.received()).toEqual(['slow network'])
    expect(tracker.stats()).toMatchObject({ sent: 1, retried: 1 })
  })

  it('resumes in the foreground: a batch waiting out its backoff goes at once', async () => {
    const { tracker, app } = start(undefined, { consent: 'granted' })
    collector.answers.push({ status: 503 }, { status: 503 }, { status: 503 })
    tracker.track('later')
    await tracker.flush()
    expect(collector.requests).toHaveLength(1) // failed: the next try is 0.5-1 s away
    app.set('background')
    await settle()
    expect(collector.requests).toHaveLength(2)
    app.set('active')
    await settle()
    expect(collector.requests).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(collector.requests).toHaveLength(4)
    expect(collector.received()).toEqual(['later'])
  })

  it('describes the app, OS, device, screen, locale and time zone instead of a user agent', async () => {
    const { tracker } = start(undefined, {
      consent: 'granted',
      app: { name: 'Shop', version: '2.3.0', build: '230', namespace: 'com.example.shop' },
      os: { name: 'android', version: 34 },
      device: { model: 'Pixel 8', manufacturer: 'Google', type: 'phone' },
      screen: { width: 412, height: 915 },
    })
    tracker.screen('Home', { tab: 'new' })
    await tracker.flush()
    const [m] = all()
    expect(m).toMatchObject({ type: 'screen', name: 'Home', properties: { tab: 'new' } })
    expect(m!.context).toMatchObject({
      library: { name: '@pipit/sdk' },
      app: { name: 'Shop', version: '2.3.0', build: '230', namespace: 'com.example.shop' },
      os: { name: 'android', version: '34' },
      device: { model: 'Pixel 8', manufacturer: 'Google', type: 'phone' },
      screen: { width: 412, height: 915 },
      locale: Intl.DateTimeFormat().resolvedOptions().locale,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    })
    expect(m!.context).not.toHaveProperty('userAgent')
    expect(m!.context).not.toHaveProperty('page')
  })

  it('attributes to the initial URL and to deep links that arrive later: first touch kept, last touch replaced, across restarts', async () => {
    const link = fakeLinking()
    const first = start(undefined, {
      consent: 'granted',
      initialUrl: 'shop://promo?utm_source=newsletter&utm_campaign=spring&gclid=abc',
      linking: link.linking,
    })
    first.tracker.track('opened')
    await first.tracker.flush()
    link.open('shop://item/1?utm_source=push&utm_medium=notification')
    first.tracker.track('from push')
    link.open('shop://item/2') // no campaign data: keeps the last touch
    first.tracker.track('browsing')
    await first.tracker.flush()
    first.tracker.shutdown()
    const second = start(first.disk, { linking: fakeLinking().linking })
    second.tracker.track('next day')
    await second.tracker.flush()

    const spring = {
      source: 'newsletter',
      name: 'spring',
      gclid: 'abc',
      landing: 'shop://promo?utm_source=newsletter&utm_campaign=spring&gclid=abc',
    }
    const push = {
      source: 'push',
      medium: 'notification',
      landing: 'shop://item/1?utm_source=push&utm_medium=notification',
    }
    expect(named('opened').context).toMatchObject({ campaign: spring, firstTouch: spring })
    for (const name of ['from push', 'browsing', 'next day'])
      expect(named(name).context).toMatchObject({ campaign: push, firstTouch: spring })
  })

  it('takes the initial URL from a promise (Linking.getInitialURL) once it settles', async () => {
    const link = fakeLinking('shop://?utm_source=qr')
    const { tracker } = start(undefined, { consent: 'granted', linking: link.linking })
    await settle()
    tracker.track('scanned')
    await tracker.flush()
    expect(named('scanned').context).toMatchObject({ campaign: { source: 'qr' } })
  })

  it('ends a session after 30 minutes without events, time in the background included, and keeps it across a restart', async () => {
    const first = start(undefined, { consent: 'granted' })
    first.tracker.track('a')
    first.app.set('background')
    await vi.advanceTimersByTimeAsync(29 * 60_000)
    first.app.set('active')
    first.tracker.track('b')
    await first.tracker.flush()
    first.tracker.shutdown()
    await vi.advanceTimersByTimeAsync(29 * 60_000)
    const second = start(first.disk)
    second.tracker.track('c')
    await second.tracker.flush()
    second.app.set('background')
    await vi.advanceTimersByTimeAsync(31 * 60_000)
    second.app.set('active')
    second.tracker.track('d')
    await second.tracker.flush()

    const session = (name: string) =>
      (named(name).context as { session: { id: number; isNew: boolean } }).session
    expect(['a', 'b', 'c'].map((n) => session(n).id)).toEqual(Array(3).fill(session('a').id))
    expect(session('d').id).not.toBe(session('a').id)
    expect(['a', 'b', 'c', 'd'].map((n) => session(n).isNew)).toEqual([true, false, false, true])
  })

  it('draws ids from Math.random when Hermes has no crypto.getRandomValues', async () => {
    vi.stubGlobal('crypto', undefined)
    const { tracker } = start(undefined, { consent: 'granted' })
    tracker.track('a')
    tracker.track('b')
    await tracker.flush()
    const [a, b] = all()
    expect(a!.anonymousId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(a!.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(a!.messageId).not.toBe(b!.messageId)
  })

  it('attaches AppState, NetInfo and Linking listeners in createTracker and removes them in shutdown', async () => {
    const link = fakeLinking()
    const { tracker, app, net } = start(undefined, { linking: link.linking })
    expect([app.listeners.size, net.listeners.size, link.listeners.size]).toEqual([1, 1, 1])
    tracker.shutdown()
    expect([app.listeners.size, net.listeners.size, link.listeners.size]).toEqual([0, 0, 0])
    await settle()
  })

  it('evicts the oldest stored events beyond maxQueueEvents, with their keys, and reports them', async () => {
    const evicted: string[] = []
    const { tracker, disk } = start(undefined, {
      consent: 'granted',
      maxQueueEvents: 3,
      onDrop: (ms, reason) => ms.forEach((m) => evicted.push(`${nameOf(m)}:${reason}`)),
    })
    await tracker.flush()
    collector.answers.push(...Array<{ status: number }>(5).fill({ status: 503 }))
    for (const name of ['e1', 'e2', 'e3', 'e4', 'e5']) tracker.track(name)
    await tracker.flush()
    expect(evicted).toEqual(['e1:evicted', 'e2:evicted'])
    expect(eventKeys(disk)).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(collector.received()).toEqual(['e3', 'e4', 'e5'])
  })

  it('shares one queue between two trackers on the same storage (Fast Refresh re-creating one): no event sent twice', async () => {
    const disk = new Map<string, string>()
    const { storage } = memoryAsyncStorage(disk)
    const make = () =>
      createTracker({
        writeKey: 'pk_test',
        host: 'https://collector.test',
        consent: 'granted',
        storage,
        appState: fakeAppState().appState,
        netInfo: fakeNetInfo().netInfo,
      })
    const first = make()
    collector.answers.push({ status: 503 })
    first.track('before refresh')
    await first.flush()
    const second = make() // the module ran again; the first tracker was never shut down
    second.track('after refresh')
    await Promise.all([first.flush(), second.flush()])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(collector.received()).toEqual(['before refresh', 'after refresh'])
    expect([...collector.stored.values()].map((s) => s.times)).toEqual([1, 1])
    expect(collector.sent()).toEqual(['before refresh', 'before refresh', 'after refresh'])
    first.shutdown()
    second.shutdown()
  })

  it('tracks app opens and backgrounding when asked, sending Backgrounded with the background flush', async () => {
    const { tracker, app } = start(undefined, {
      consent: 'granted',
      trackAppLifecycleEvents: true,
      app: { version: '2.3.0', build: '230' },
    })
    await tracker.flush()
    app.set('inactive') // iOS: Control Center pulled down
    app.set('active')
    app.set('inactive')
    app.set('background')
    await settle()
    app.set('active')
    await tracker.flush()

    const about = { version: '2.3.0', build: '230' }
    expect(collector.requests.map((r) => r.batch.map((m) => [nameOf(m), m.properties]))).toEqual([
      [['Application Opened', { ...about, from_background: false }]],
      [['Application Backgrounded', about]],
      [['Application Opened', { ...about, from_background: true }]],
    ])
    tracker.shutdown()
    expect(app.listeners.size).toBe(0)
  })

  it('tracks no lifecycle events by default', async () => {
    const { tracker, app } = start(undefined, { consent: 'granted' })
    await tracker.flush()
    app.set('background')
    app.set('active')
    await tracker.flush()
    expect(collector.requests).toEqual([])
  })

  it('gives a tracker that does nothing, with one warning, when an injected module is missing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { storage } = memoryAsyncStorage()
    const tracker = createTracker({
      writeKey: 'pk_test',
      host: 'https://collector.test',
      storage,
      appState: fakeAppState().appState,
      netInfo: {} as never,
    })
    tracker.track('x')
    expect(warn.mock.calls).toEqual([['[pipit] bad netInfo: tracking is off']])
    expect(tracker.consent).toBe('denied')
    // The expected warning is consumed here; the silent-console check sees the same spy.
    warn.mockClear()
  })
})

const nameOf = (m: Message) => (m.type === 'track' ? m.event : m.type)
