import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventLog, EventStore, KeyRecord, MetaStore, Site, StoredEvent } from './types'
import { DEFAULT_SETTINGS, EventFlag, NO_ENRICHMENT, SiteExistsError } from './types'

/** Opens a fresh, empty store for one test; the suite closes it. */
export type StoreFactory = () => EventStore | Promise<EventStore>

/** What a suite needs of a store besides the part it tests. */
interface Lifecycle {
  isWritable(): Promise<boolean>
  close(): Promise<void>
}

/**
 * Opens a fresh, empty store holding at least the parts `T` (an adapter may
 * implement some parts only, e.g. metadata and event log); the suite closes it.
 */
export type PartFactory<T> = () => (T & Lifecycle) | Promise<T & Lifecycle>

/**
 * The behaviour every adapter must show, part by part: each adapter's test
 * file runs the suites of the parts it implements first, then its own cases.
 * `describeStoreConformance` runs all three (a complete store).
 *
 * @example
 * describeStoreConformance('sqlite', () => createSqliteStore({ path: tmpFile() }))
 */
export function describeStoreConformance(name: string, createStore: StoreFactory): void {
  describeMetaStoreConformance(name, createStore)
  describeEventLogConformance(name, createStore)
}

/** Sites, keys, salts, suppressions, goals and audit (`MetaStore`). */
export function describeMetaStoreConformance(
  name: string,
  createStore: PartFactory<MetaStore>,
): void {
  describe(`MetaStore conformance: ${name}`, () => {
    let store: MetaStore & Lifecycle

    beforeEach(async () => {
      store = await createStore()
      await store.createSite(site('s1'))
      await store.createSite(site('s2'))
    })
    afterEach(async () => {
      await store.close()
    })

    it('creates, reads and lists sites, and refuses a taken id', async () => {
      expect(await store.getSite('s1')).toEqual(site('s1'))
      expect(await store.getSite('nope')).toBeUndefined()
      expect((await store.listSites()).map((s) => s.id)).toEqual(['s1', 's2'])
      await expect(store.createSite(site('s1'))).rejects.toBeInstanceOf(SiteExistsError)
    })

    it('finds keys by hash and lists them per site and instance-wide', async () => {
      const write = key({ id: 'k1', siteId: 's1', scope: 'write', publicKey: 'pk' })
      const read = key({ id: 'k2', siteId: 's1', scope: 'read', hash: 'h2' })
      const admin = key({ id: 'k3', siteId: null, scope: 'admin', hash: 'h3' })
      for (const k of [write, read, admin]) await store.createKey(k)
      expect(await store.findKeyByHash('h2')).toEqual(read)
      expect(await store.findKeyByHash('missing')).toBeUndefined()
      expect(await store.listKeys('s1')).toEqual([write, read])
      expect(await store.listKeys(null)).toEqual([admin])
      expect(await store.getKey('k2')).toEqual(read)
      expect(await store.revokeKey('k2', 99)).toBe(true)
      expect(await store.revokeKey('k2', 100)).toBe(false)
      expect(await store.revokeKey('missing', 100)).toBe(false)
      expect((await store.findKeyByHash('h2'))?.revokedAt).toBe(99)
    })

    it('finds sites by domain and updates name, domain and settings', async () => {
      expect((await store.findSiteByDomain('s2.example.com'))?.id).toBe('s2')
      expect(await store.findSiteByDomain('nope.example.com')).toBeUndefined()
      const updated = await store.updateSite('s1', {
        domain: 'shop.example',
        settings: {
          ...DEFAULT_SETTINGS,
          allowedOrigins: ['https://shop.example'],
          botPolicy: 'drop',
          stripQueryParams: ['x'],
        },
      })
      expect(updated).toMatchObject({ name: 'Site s1', domain: 'shop.example' })
      expect(await store.getSite('s1')).toEqual(updated)
      expect((await store.findSiteByDomain('shop.example'))?.settings.botPolicy).toBe('drop')
      expect(await store.updateSite('missing', { name: 'x' })).toBeUndefined()
    })

    it('keeps a suppression list per site', async () => {
      const entry = { siteId: 's1', kind: 'userId' as const, value: 'u1', createdAt: 5 }
      expect(await store.addSuppression(entry)).toBe(true)
      expect(await store.addSuppression(entry)).toBe(false)
      await store.addSuppression({ ...entry, kind: 'anonymousId', value: 'a1' })
      await store.addSuppression({ ...entry, siteId: 's2' })
      expect((await store.listSuppressions('s1')).map((e) => `${e.kind}:${e.value}`)).toEqual([
        'anonymousId:a1',
        'userId:u1',
      ])
      expect(await store.removeSuppression('s1', 'userId', 'u1')).toBe(true)
      expect(await store.removeSuppression('s1', 'userId', 'u1')).toBe(false)
      expect(await store.listSuppressions('s1')).toHaveLength(1)
      expect(await store.listSuppressions('s2')).toHaveLength(1)
    })

    it('gives one secret salt per day and forgets old ones', async () => {
      const a = await store.saltForDay('2026-03-10', 2)
      expect(a).toHaveLength(32)
      expect(await store.saltForDay('2026-03-10', 2)).toEqual(a)
      const b = await store.saltForDay('2026-03-11', 2)
      expect(b).not.toEqual(a)
      // Three days on, March 10 is past the two kept days: a new salt, not the old one.
      await store.saltForDay('2026-03-13', 2)
      expect(await store.saltForDay('2026-03-10', 2)).not.toEqual(a)
    })

    it('appends audit entries and lists the newest first', async () => {
      const entry = {
        siteId: 's1',
        at: 1,
        actor: 'k1',
        action: 'export' as const,
        subjectKind: 'userId' as const,
        subjectId: 'u1',
        rows: 3,
      }
      await store.appendAudit(entry)
      await store.appendAudit({ ...entry, at: 2, action: 'delete', rows: 3 })
      await store.appendAudit({ ...entry, siteId: 's2' })
      expect((await store.listAudit('s1', 10)).map((e) => [e.at, e.action])).toEqual([
        [2, 'delete'],
        [1, 'export'],
      ])
      expect(await store.listAudit('s1', 1)).toHaveLength(1)
    })

    it('reports itself writable', async () => {
      expect(await store.isWritable()).toBe(true)
    })

    it('creates, lists and deletes goals per site', async () => {
      const goal = {
        siteId: 's1',
        id: 'g1',
        name: 'Signups',
        kind: 'event' as const,
        value: 'Signed Up',
        createdAt: 3,
      }
      await store.createGoal(goal)
      await store.createGoal({ ...goal, id: 'g0', kind: 'page', value: '/thanks', createdAt: 4 })
      await store.createGoal({ ...goal, siteId: 's2' })
      expect((await store.listGoals('s1')).map((g) => g.id)).toEqual(['g1', 'g0'])
      expect(await store.listGoals('s1')).toContainEqual(goal)
      expect(await store.deleteGoal('s1', 'g1')).toBe(true)
      expect(await store.deleteGoal('s1', 'g1')).toBe(false)
      expect((await store.listGoals('s1')).map((g) => g.id)).toEqual(['g0'])
      expect(await store.listGoals('s2')).toHaveLength(1)
    })
  })
}

/** Insert and exact deduplication, subjects, retention, overview (`EventLog`). */
export function describeEventLogConformance(
  name: string,
  createStore: PartFactory<MetaStore & EventLog>,
): void {
  describe(`EventLog conformance: ${name}`, () => {
    let store: MetaStore & EventLog & Lifecycle

    beforeEach(async () => {
      store = await createStore()
      await store.createSite(site('s1'))
      await store.createSite(site('s2'))
    })
    afterEach(async () => {
      await store.close()
    })

    it('stores events and reads them back unchanged, in time order', async () => {
      const late = makeEvent({
        messageId: 'b',
        timestamp: 2_000,
        properties: { plan: 'pro', n: 2 },
      })
      const early = makeEvent({ messageId: 'a', timestamp: 1_000, context: { locale: 'de-DE' } })
      expect(await store.insertEvents([late, early])).toEqual(['inserted', 'inserted'])
      expect(await store.listEvents('s1')).toEqual([early, late])
      expect(await store.listEvents('s1', { limit: 1 })).toEqual([early])
    })

    it('stores a messageId once per site, across and within calls', async () => {
      expect(await store.insertEvents([makeEvent({ messageId: 'm' })])).toEqual(['inserted'])
      const again = await store.insertEvents([
        makeEvent({ messageId: 'm', name: 'changed' }),
        makeEvent({ messageId: 'n' }),
        makeEvent({ messageId: 'n' }),
        makeEvent({ messageId: 'm', siteId: 's2' }),
      ])
      expect(again).toEqual(['duplicate', 'inserted', 'duplicate', 'inserted'])
      const stored = await store.listEvents('s1')
      expect(stored.map((e) => e.messageId).sort()).toEqual(['m', 'n'])
      expect(stored.find((e) => e.messageId === 'm')?.name).toBe('Signed Up')
      expect(await store.listEvents('s2')).toHaveLength(1)
    })

    it('counts visitors, page views and custom events in a half-open range', async () => {
      await store.insertEvents([
        makeEvent({ messageId: '1', type: 'page', visitorId: 'v1', timestamp: 100 }),
        makeEvent({ messageId: '2', type: 'page', visitorId: 'v1', timestamp: 150 }),
        makeEvent({ messageId: '3', type: 'screen', visitorId: 'v2', timestamp: 199 }),
        makeEvent({ messageId: '4', type: 'track', visitorId: 'v2', timestamp: 150 }),
        makeEvent({ messageId: '5', type: 'identify', visitorId: 'v3', timestamp: 120 }),
        makeEvent({ messageId: '6', type: 'page', visitorId: 'v4', timestamp: 200 }),
        makeEvent({ messageId: '7', type: 'page', visitorId: 'v5', timestamp: 99 }),
        makeEvent({ messageId: '8', type: 'page', visitorId: 'v6', timestamp: 150, siteId: 's2' }),
      ])
      const counts = await store.overview({ siteId: 's1', fromMs: 100, toMs: 200 })
      expect(counts).toEqual({ visitors: 3, pageviews: 3, events: 1 })
      expect(await store.overview({ siteId: 's1', fromMs: 500, toMs: 600 })).toEqual({
        visitors: 0,
        pageviews: 0,
        events: 0,
      })
    })

    it('stores enrichment fields and leaves bots out of the counts', async () => {
      const enriched = makeEvent({
        messageId: 'e1',
        type: 'page',
        browser: 'Firefox',
        os: 'Linux',
        deviceType: 'desktop',
        country: 'DE',
        source: 'Google',
        channel: 'search',
        utmSource: 'google',
        utmMedium: 'cpc',
        utmCampaign: 'spring',
        utmTerm: 'shoes',
        utmContent: 'ad-1',
        flags: EventFlag.clampedTimestamp,
      })
      const bot = makeEvent({
        messageId: 'e2',
        type: 'page',
        visitorId: 'bot',
        flags: EventFlag.bot,
      })
      await store.insertEvents([enriched, bot])
      expect((await store.listEvents('s1')).find((e) => e.messageId === 'e1')).toEqual(enriched)
      expect(await store.overview({ siteId: 's1', fromMs: 0, toMs: 10_000 })).toEqual({
        visitors: 1,
        pageviews: 1,
        events: 0,
      })
    })

    it('follows identity links through shared events and aliases, and erases a subject', async () => {
      await store.insertEvents([
        makeEvent({ messageId: '1', anonymousId: 'a1', userId: null }),
        makeEvent({ messageId: '2', type: 'identify', anonymousId: 'a1', userId: 'u1' }),
        makeEvent({ messageId: '3', anonymousId: 'a2', userId: 'u1' }),
        makeEvent({
          messageId: '4',
          type: 'alias',
          anonymousId: null,
          userId: 'u2',
          properties: { previousId: 'u1' },
        }),
        makeEvent({ messageId: '5', anonymousId: 'a3', userId: 'u2' }),
        makeEvent({ messageId: '6', anonymousId: 'other', userId: null }),
        makeEvent({ messageId: '7', siteId: 's2', anonymousId: 'a1', userId: 'u1' }),
      ])
      const subject = await store.linkedIds('s1', { anonymousId: 'a1' })
      expect(subject).toEqual({ userIds: ['u1', 'u2'], anonymousIds: ['a1', 'a2', 'a3', 'u1'] })
      expect(await store.linkedIds('s1', { userId: 'u2' })).toEqual(subject)

      const first = await store.subjectEvents('s1', subject, null, 3)
      expect(first.events.map((e) => e.messageId)).toEqual(['1', '2', '3'])
      const second = await store.subjectEvents('s1', subject, first.next, 3)
      expect(second.events.map((e) => e.messageId)).toEqual(['4', '5'])
      expect(second.next).toBeNull()

      expect(await store.deleteSubject('s1', subject)).toBe(5)
      expect((await store.listEvents('s1')).map((e) => e.messageId)).toEqual(['6'])
      expect(await store.listEvents('s2')).toHaveLength(1)
    })

    it('anonymises a subject: counts stay, identity goes', async () => {
      await store.insertEvents([
        makeEvent({
          messageId: '1',
          type: 'page',
          userId: 'u1',
          anonymousId: 'a1',
          visitorId: 'a1',
          traits: { email: 'x' },
          context: { ip_hint: 1 },
        }),
        makeEvent({
          messageId: '2',
          type: 'track',
          userId: 'u1',
          anonymousId: 'a1',
          visitorId: 'a1',
        }),
      ])
      const subject = await store.linkedIds('s1', { userId: 'u1' })
      expect(await store.anonymizeSubject('s1', subject, 'anon-x')).toBe(2)
      const events = await store.listEvents('s1')
      expect(
        events.map((e) => [e.userId, e.anonymousId, e.visitorId, e.traits, e.context]),
      ).toEqual([
        [null, null, 'anon-x', null, null],
        [null, null, 'anon-x', null, null],
      ])
      expect(await store.overview({ siteId: 's1', fromMs: 0, toMs: 10_000 })).toMatchObject({
        visitors: 1,
        pageviews: 1,
        events: 1,
      })
    })

    it('pages through every event of a site once, with an opaque cursor', async () => {
      // Equal timestamps across pages, and another site's events in between.
      const times = [3_000, 1_000, 2_000, 2_000, 2_000, 1_000, 4_000]
      await store.insertEvents(
        times.flatMap((timestamp, i) => [
          makeEvent({ messageId: `e${i}`, timestamp }),
          makeEvent({ messageId: `e${i}`, siteId: 's2', timestamp }),
        ]),
      )
      const pages: string[][] = []
      let cursor: string | null = null
      do {
        const page: Awaited<ReturnType<EventLog['eventPage']>> = await store.eventPage(
          's1',
          cursor,
          2,
        )
        expect(page.events.length).toBeLessThanOrEqual(2)
        pages.push(page.events.map((e) => e.messageId))
        cursor = page.next
      } while (cursor !== null && pages.length < 10)
      expect(cursor).toBeNull()
      expect(pages.slice(0, 3).map((p) => p.length)).toEqual([2, 2, 2])
      expect(pages.flat().sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'])
      // The same order twice, events unchanged.
      const all = await store.eventPage('s1', null, 100)
      expect(all.events.map((e) => e.messageId)).toEqual(pages.flat())
      expect(all.next).toBeNull()
      expect(all.events.find((e) => e.messageId === 'e2')).toEqual(
        makeEvent({ messageId: 'e2', timestamp: 2_000 }),
      )
      expect((await store.eventPage('s2', null, 100)).events).toHaveLength(7)
      expect(await store.countEvents('s1')).toBe(7)
      expect(await store.countEvents('nope')).toBe(0)
      expect(await store.eventPage('nope', null, 100)).toEqual({ events: [], next: null })
    })

    it('purges raw events older than a cut-off, or counts them in a dry run', async () => {
      await store.insertEvents([
        makeEvent({ messageId: 'old', timestamp: 100 }),
        makeEvent({ messageId: 'edge', timestamp: 200 }),
        makeEvent({ messageId: 'new', timestamp: 300 }),
        makeEvent({ messageId: 'other-site', siteId: 's2', timestamp: 100 }),
      ])
      expect(await store.purgeEvents('s1', 200, true)).toBe(1)
      expect(await store.listEvents('s1')).toHaveLength(3)
      expect(await store.purgeEvents('s1', 200, false)).toBe(1)
      expect((await store.listEvents('s1')).map((e) => e.messageId)).toEqual(['edge', 'new'])
      expect(await store.listEvents('s2')).toHaveLength(1)
    })
  })
}

function site(id: string): Site {
  return {
    id,
    name: `Site ${id}`,
    timezone: 'Europe/Berlin',
    domain: `${id}.example.com`,
    settings: DEFAULT_SETTINGS,
    createdAt: id === 's1' ? 1 : 2,
  }
}

function key(overrides: Partial<KeyRecord>): KeyRecord {
  return {
    id: 'k',
    siteId: 's1',
    scope: 'read',
    hash: 'h1',
    prefix: 'pipit_',
    publicKey: null,
    createdAt: 10,
    revokedAt: null,
    ...overrides,
  }
}

/** A stored event with every field set, for store tests. */
export function makeEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    siteId: 's1',
    messageId: 'm',
    type: 'track',
    name: 'Signed Up',
    anonymousId: 'anon-1',
    userId: null,
    visitorId: 'anon-1',
    timestamp: 1_000,
    receivedAt: 5_000,
    path: null,
    url: null,
    referrer: null,
    properties: null,
    traits: null,
    context: null,
    ...NO_ENRICHMENT,
    ...overrides,
  }
}
