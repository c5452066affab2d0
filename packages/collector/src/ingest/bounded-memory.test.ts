import { ErrorCode } from '@pipit/protocol'
import { describe, expect, it, vi } from 'vitest'
import { testApp } from '../../test/helpers'
import type { EventStore } from '../store/types'
import { MAX_DOMAINS } from './compat'
import { createSiteCache } from './site-cache'
import { createVisitorHasher } from './visitor'

/** A store that only answers lookups, counting them. */
function lookupStore() {
  const calls: string[] = []
  const store = {
    getSite: (id: string) => {
      calls.push(`id:${id}`)
      return Promise.resolve(undefined)
    },
    findSiteByDomain: (domain: string) => {
      calls.push(`domain:${domain}`)
      return Promise.resolve(undefined)
    },
    listSuppressions: () => Promise.resolve([]),
    saltForDay: () => Promise.resolve(new Uint8Array(16)),
  } as unknown as EventStore
  return { store, calls }
}

describe('memory bounded before authentication', () => {
  // Regression: the site caches were never evicted, so unknown names filled memory.
  it('keeps the site caches to their cap, least recently used out first', async () => {
    const { store, calls } = lookupStore()
    const cache = createSiteCache(store, () => 0, 10_000, 2)
    await cache.byDomain('a.example')
    await cache.byDomain('b.example')
    await cache.byDomain('a.example') // a hit: a is now the most recently used
    await cache.byDomain('c.example') // over the cap: b goes
    calls.length = 0
    await cache.byDomain('a.example')
    await cache.byDomain('c.example')
    expect(calls).toEqual([])
    await cache.byDomain('b.example')
    expect(calls).toEqual(['domain:b.example'])
    for (let i = 0; i < 1_000; i++) await cache.byId(`random-${i}`)
    calls.length = 0
    await cache.byId('random-0')
    await cache.byId('random-999')
    expect(calls).toEqual(['id:random-0'])
  })

  // Regression: above 100k visitors every event scanned the whole map, which grew without bound.
  it('holds at most maxActive visitor hashes and drops expired ones from the oldest end', async () => {
    const { store } = lookupStore()
    const visitors = createVisitorHasher(store, { maxActive: 1_000 })
    const start = Date.parse('2026-03-10T10:00:00Z')
    for (let i = 0; i < 5_000; i++) {
      await visitors.visitorId('s1', `10.0.${i >> 8}.0`, `agent ${i}`, start + i)
    }
    expect(visitors.tracked()).toBe(1_000)
    // 31 minutes later everyone seen so far has expired.
    await visitors.visitorId('s1', '10.9.9.0', 'late', start + 5_000 + 31 * 60_000)
    expect(visitors.tracked()).toBe(1)
  })

  it('still hands a visitor over at midnight', async () => {
    const { store } = lookupStore()
    const visitors = createVisitorHasher(store, { maxActive: 1_000 })
    const before = await visitors.visitorId(
      's1',
      '10.0.0.0',
      'ua',
      Date.parse('2026-03-10T23:50:00Z'),
    )
    const after = await visitors.visitorId(
      's1',
      '10.0.0.0',
      'ua',
      Date.parse('2026-03-11T00:10:00Z'),
    )
    expect(after).toBe(before)
  })

  // Regression: a Plausible `domain` listing hundreds of names made two lookups for each.
  it('refuses a Plausible domain list of more than 10 before any lookup', async () => {
    const { app, store } = await testApp()
    const byDomain = vi.spyOn(store, 'findSiteByDomain')
    const byId = vi.spyOn(store, 'getSite')
    const send = (domains: string[]) =>
      app.request('/api/event', {
        method: 'POST',
        body: JSON.stringify({
          name: 'pageview',
          url: 'https://x.example/',
          domain: domains.join(','),
        }),
        headers: { 'content-type': 'text/plain' },
      })
    // Short names: 200 of them fit in the 1,000 characters `domain` may have.
    const many = Array.from({ length: 200 }, (_, i) => `d${i}`)
    const refused = await send(many)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: { code: ErrorCode.invalidBody } })
    expect(byDomain).not.toHaveBeenCalled()
    expect(byId).not.toHaveBeenCalled()
    // Up to the cap, the first existing site takes the event.
    const taken = await send([...many.slice(0, MAX_DOMAINS - 1), 's1'])
    expect(taken.status).toBe(202)
    expect(byId).toHaveBeenCalledWith('s1')
  })
})
