import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventStore, KeyRecord, Site, StoredEvent } from './types'
import { SiteExistsError } from './types'

/**
 * The behaviour every `EventStore` adapter must show. Each adapter's test file
 * calls this first, then adds its own cases.
 *
 * @example
 * describeStoreConformance('sqlite', () => createSqliteStore({ path: tmpFile() }))
 */
export function describeStoreConformance(
  name: string,
  createStore: () => EventStore | Promise<EventStore>,
): void {
  describe(`EventStore conformance: ${name}`, () => {
    let store: EventStore

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
    })

    it('stores events and reads them back unchanged, in time order', async () => {
      const late = event({ messageId: 'b', timestamp: 2_000, properties: { plan: 'pro', n: 2 } })
      const early = event({ messageId: 'a', timestamp: 1_000, context: { locale: 'de-DE' } })
      expect(await store.insertEvents([late, early])).toEqual(['inserted', 'inserted'])
      expect(await store.listEvents('s1')).toEqual([early, late])
      expect(await store.listEvents('s1', { limit: 1 })).toEqual([early])
    })

    it('stores a messageId once per site, across and within calls', async () => {
      expect(await store.insertEvents([event({ messageId: 'm' })])).toEqual(['inserted'])
      const again = await store.insertEvents([
        event({ messageId: 'm', name: 'changed' }),
        event({ messageId: 'n' }),
        event({ messageId: 'n' }),
        event({ messageId: 'm', siteId: 's2' }),
      ])
      expect(again).toEqual(['duplicate', 'inserted', 'duplicate', 'inserted'])
      const stored = await store.listEvents('s1')
      expect(stored.map((e) => e.messageId).sort()).toEqual(['m', 'n'])
      expect(stored.find((e) => e.messageId === 'm')?.name).toBe('Signed Up')
      expect(await store.listEvents('s2')).toHaveLength(1)
    })

    it('counts visitors, page views and custom events in a half-open range', async () => {
      await store.insertEvents([
        event({ messageId: '1', type: 'page', visitorId: 'v1', timestamp: 100 }),
        event({ messageId: '2', type: 'page', visitorId: 'v1', timestamp: 150 }),
        event({ messageId: '3', type: 'screen', visitorId: 'v2', timestamp: 199 }),
        event({ messageId: '4', type: 'track', visitorId: 'v2', timestamp: 150 }),
        event({ messageId: '5', type: 'identify', visitorId: 'v3', timestamp: 120 }),
        event({ messageId: '6', type: 'page', visitorId: 'v4', timestamp: 200 }),
        event({ messageId: '7', type: 'page', visitorId: 'v5', timestamp: 99 }),
        event({ messageId: '8', type: 'page', visitorId: 'v6', timestamp: 150, siteId: 's2' }),
      ])
      const counts = await store.overview({ siteId: 's1', fromMs: 100, toMs: 200 })
      expect(counts).toEqual({ visitors: 3, pageviews: 3, events: 1 })
      expect(await store.overview({ siteId: 's1', fromMs: 500, toMs: 600 })).toEqual({
        visitors: 0,
        pageviews: 0,
        events: 0,
      })
    })

    it('reports itself writable', async () => {
      expect(await store.isWritable()).toBe(true)
    })
  })
}

function site(id: string): Site {
  return { id, name: `Site ${id}`, timezone: 'Europe/Berlin', createdAt: id === 's1' ? 1 : 2 }
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

function event(overrides: Partial<StoredEvent>): StoredEvent {
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
    ...overrides,
  }
}
