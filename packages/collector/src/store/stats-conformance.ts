import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StoreFactory } from './conformance'
import { makeEvent } from './conformance'
import type { EventStore, StatsQuery, StoredEvent } from './types'
import { DEFAULT_SETTINGS, EventFlag } from './types'

const D1 = '2026-03-10'
const D2 = '2026-03-11'
const MIN = 60_000
/** An instant in Europe/Berlin winter time (UTC+1). */
const at = (day: string, time: string) => Date.parse(`${day}T${time}:00+01:00`)

let seq = 0
function ev(visitor: string, ts: number, fields: Partial<StoredEvent>): StoredEvent {
  return makeEvent({
    messageId: `c-${++seq}`,
    anonymousId: visitor,
    visitorId: visitor,
    timestamp: ts,
    receivedAt: ts,
    channel: 'direct',
    country: 'DE',
    ...fields,
  })
}
const page = (visitor: string, ts: number, path: string, fields: Partial<StoredEvent> = {}) =>
  ev(visitor, ts, {
    type: 'page',
    name: null,
    path,
    url: `https://s1.example.com${path}`,
    ...fields,
  })
const track = (visitor: string, ts: number, name: string, properties: Record<string, unknown>) =>
  ev(visitor, ts, { type: 'track', name, properties })

/**
 * Five visits by three visitors over two local days (and one bot), small
 * enough that every number below is worked out by hand:
 * - A: v1, D1 10:00–10:06, `/` then `/pricing` then Signup (search, DE)
 * - B: v1, D1 12:00, `/` (a bounce)
 * - C: v2, D1 10:30–10:40, `/`, exposed to e1/b, Signup (FR)
 * - D: v3, D2 09:00–09:01, `/pricing`, exposed to e1/a
 * - E: v1, D2 09:30, `/` (a bounce)
 */
export const TRAFFIC = (): StoredEvent[] => [
  page('v1', at(D1, '10:00'), '/', { source: 'Google', channel: 'search' }),
  page('v1', at(D1, '10:05'), '/pricing'),
  track('v1', at(D1, '10:06'), 'Signup', { plan: 'pro' }),
  page('v1', at(D1, '12:00'), '/'),
  page('v2', at(D1, '10:30'), '/', { country: 'FR' }),
  track('v2', at(D1, '10:31'), 'Experiment Viewed', { experiment_id: 'e1', variant: 'b' }),
  track('v2', at(D1, '10:40'), 'Signup', { plan: 'free' }),
  page('v3', at(D2, '09:00'), '/pricing'),
  track('v3', at(D2, '09:01'), 'Experiment Viewed', { experiment_id: 'e1', variant: 'a' }),
  page('v1', at(D2, '09:30'), '/'),
  page('bot', at(D1, '11:00'), '/', { flags: EventFlag.bot }),
]

/**
 * Every `StatsStore` method against hand-computed answers: aggregation
 * (incremental, idempotent, rebuild), totals, series, breakdowns with
 * paging and sorting, filters, goals, funnels, retention, exposures,
 * experiments, realtime and rollup retention. The stats oracle
 * (`test/stats-oracle.ts`) checks the same methods on generated traffic.
 */
export function describeStatsStoreConformance(name: string, createStore: StoreFactory): void {
  describe(`StatsStore conformance: ${name}`, () => {
    let store: EventStore
    const q = (filters: StatsQuery['filters'] = [], from = D1, to = D2): StatsQuery => ({
      siteId: 's1',
      timezone: 'Europe/Berlin',
      from,
      to,
      filters,
    })

    beforeEach(async () => {
      store = await createStore()
      const settings = DEFAULT_SETTINGS
      await store.createSite({
        id: 's1',
        name: 's1',
        timezone: 'Europe/Berlin',
        domain: null,
        settings,
        createdAt: 1,
      })
      await store.insertEvents(TRAFFIC())
    })
    afterEach(async () => {
      await store.close()
    })

    it('aggregates what waits, once, and a rebuild changes nothing', async () => {
      expect(await store.aggregationBehind()).toBe(true)
      const first = await store.aggregate()
      expect(first).toMatchObject({ days: 2, visits: 5 })
      expect(await store.aggregationBehind()).toBe(false)
      expect(await store.aggregate()).toMatchObject({ days: 0, visits: 0 })
      const before = await store.statsTotals(q())
      expect(await store.aggregate({ rebuild: true })).toMatchObject({ days: 2, visits: 5 })
      expect(await store.statsTotals(q())).toEqual(before)
    })

    it('totals visits exactly, with filters and a goal', async () => {
      await store.aggregate()
      const all = {
        visitors: 3,
        visits: 5,
        pageviews: 6,
        events: 4,
        bounces: 2,
        duration: 17 * MIN,
      }
      expect(await store.statsTotals(q())).toEqual({ ...all, conversions: null })
      expect(await store.statsTotals(q(), { kind: 'event', value: 'Signup' })).toEqual({
        ...all,
        conversions: 2,
      })
      const fr = [{ dimension: 'country', op: 'is' as const, value: 'FR' }]
      expect(await store.statsTotals(q(fr))).toEqual({
        visitors: 1,
        visits: 1,
        pageviews: 1,
        events: 2,
        bounces: 0,
        duration: 10 * MIN,
        conversions: null,
      })
      const pricing = [{ dimension: 'page', op: 'is' as const, value: '/pricing' }]
      expect(
        await store.statsTotals(q(pricing), { kind: 'page', value: '/pricing' }),
      ).toMatchObject({
        visitors: 2,
        visits: 2,
        conversions: 2,
      })
      const notSearch = [{ dimension: 'channel', op: 'is_not' as const, value: 'search' }]
      expect(await store.statsTotals(q(notSearch))).toMatchObject({ visitors: 3, visits: 4 })
      const contains = [{ dimension: 'prop:plan', op: 'contains' as const, value: 'PR' }]
      expect(await store.statsTotals(q(contains))).toMatchObject({ visitors: 1, visits: 1 })
    })

    it('splits totals by local day and hour, and by week and month', async () => {
      await store.aggregate()
      const days = await store.statsTimeseries(q(), 'day')
      expect(Object.fromEntries(days)).toEqual({
        [D1]: { visitors: 2, visits: 3, pageviews: 4, events: 3, bounces: 1, duration: 16 * MIN },
        [D2]: { visitors: 2, visits: 2, pageviews: 2, events: 1, bounces: 1, duration: MIN },
      })
      const hours = await store.statsTimeseries(q(), 'hour')
      expect(hours.get(new Date(at(D1, '10:00')).toISOString())).toMatchObject({
        visitors: 2,
        visits: 2,
      })
      expect(hours.get(new Date(at(D1, '12:00')).toISOString())).toMatchObject({ visits: 1 })
      const filtered = await store.statsTimeseries(
        q([{ dimension: 'country', op: 'is_not', value: 'FR' }]),
        'hour',
      )
      expect(filtered.get(new Date(at(D1, '10:00')).toISOString())).toMatchObject({ visits: 1 })
      expect(Object.fromEntries(await store.statsTimeseries(q(), 'week'))).toEqual({
        '2026-03-09': {
          visitors: 3,
          visits: 5,
          pageviews: 6,
          events: 4,
          bounces: 2,
          duration: 17 * MIN,
        },
      })
      expect((await store.statsTimeseries(q(), 'month')).get('2026-03-01')).toMatchObject({
        visitors: 3,
      })
    })

    it('ranks breakdowns as the page asks and counts exact visitors', async () => {
      await store.aggregate()
      const byVisitors = { sort: 'visitors' as const, order: 'desc' as const, offset: 0, limit: 10 }
      const channels = await store.statsBreakdown(q(), 'channel', undefined, byVisitors)
      expect(channels.total).toBe(2)
      expect(channels.rows.map((r) => [r.value, r.visitors, r.visits])).toEqual([
        ['direct', 3, 4],
        ['search', 1, 1],
      ])
      const pages = await store.statsBreakdown(q(), 'page', undefined, byVisitors)
      expect(pages.rows.map((r) => [r.value, r.visitors, r.visits, r.pageviews])).toEqual([
        ['/', 2, 4, 4],
        ['/pricing', 2, 2, 2],
      ])
      const second = await store.statsBreakdown(q(), 'page', undefined, {
        ...byVisitors,
        offset: 1,
        limit: 1,
      })
      expect(second).toMatchObject({ total: 2, rows: [{ value: '/pricing' }] })
      const byValue = { sort: 'value' as const, order: 'desc' as const, offset: 0, limit: 10 }
      const countries = await store.statsBreakdown(q(), 'country', undefined, byValue)
      expect(countries.rows.map((r) => r.value)).toEqual(['FR', 'DE'])
      const goal = { kind: 'event' as const, value: 'Signup' }
      const converted = await store.statsBreakdown(q(), 'entry_page', goal, byVisitors)
      expect(converted.rows.map((r) => [r.value, r.visitors, r.conversions])).toEqual([
        ['/', 2, 2],
        ['/pricing', 1, 0],
      ])
      const plans = await store.statsBreakdown(q(), 'prop:plan', undefined, byValue)
      expect(plans.rows.map((r) => [r.value, r.visitors])).toEqual([
        ['pro', 1],
        ['free', 1],
      ])
    })

    it('follows funnels in order within the window', async () => {
      await store.aggregate()
      const steps = [
        { kind: 'page' as const, value: '/' },
        { kind: 'event' as const, value: 'Signup' },
      ]
      expect(await store.statsFunnel(q(), steps, 60 * MIN)).toEqual([
        { visitors: 2, medianMs: 0 },
        { visitors: 2, medianMs: 8 * MIN },
      ])
      expect(await store.statsFunnel(q(), steps, 7 * MIN)).toEqual([
        { visitors: 2, medianMs: 0 },
        { visitors: 1, medianMs: 6 * MIN },
      ])
      const withProps = [steps[0]!, { ...steps[1]!, properties: { plan: 'free' } }]
      expect((await store.statsFunnel(q(), withProps, 60 * MIN))[1]).toEqual({
        visitors: 1,
        medianMs: 10 * MIN,
      })
    })

    it('counts retention cohorts by first visit', async () => {
      await store.aggregate()
      expect(await store.statsRetention(q(), 'day', 1, D2)).toEqual([
        { cohort: D1, visitors: 2, active: [2, 1] },
        { cohort: D2, visitors: 1, active: [1, null] },
      ])
    })

    it('counts experiment exposures and conversions after exposure', async () => {
      await store.aggregate()
      expect(await store.statsExposures(q(), 'e1', { kind: 'event', value: 'Signup' })).toEqual([
        { variant: 'a', exposed: 1, conversions: 0 },
        { variant: 'b', exposed: 1, conversions: 1 },
      ])
      expect(await store.statsExperiments(q())).toEqual([
        { id: 'e1', variants: ['a', 'b'], exposed: 2 },
      ])
      const fr = [{ dimension: 'country', op: 'is' as const, value: 'FR' }]
      // The experiment's variants are listed whole; only exposed visitors are filtered.
      expect(await store.statsExperiments(q(fr))).toEqual([
        { id: 'e1', variants: ['a', 'b'], exposed: 1 },
      ])
    })

    it('counts realtime visitors from raw events, bots left out', async () => {
      const now = at(D2, '09:32')
      const realtime = await store.statsRealtime('s1', now, [])
      expect(realtime.visitors).toBe(1)
      expect(realtime.minutes).toHaveLength(30)
      expect(realtime.minutes.find((m) => m.start === at(D2, '09:30'))).toEqual({
        start: at(D2, '09:30'),
        visitors: 1,
        pageviews: 1,
      })
      const others = await store.statsRealtime('s1', now, [
        { dimension: 'page', op: 'is', value: '/pricing' },
      ])
      expect(others.visitors).toBe(0)
    })

    it('purges rollups of days before a cut-off, or counts them in a dry run', async () => {
      await store.aggregate()
      expect(await store.purgeRollups('s1', D2, true)).toBe(3)
      expect(await store.statsTotals(q([], D1, D1))).toMatchObject({ visits: 3 })
      expect(await store.purgeRollups('s1', D2, false)).toBe(3)
      expect(await store.statsTotals(q([], D1, D1))).toMatchObject({ visitors: 0, visits: 0 })
      expect(await store.statsTotals(q([], D2, D2))).toMatchObject({ visitors: 2, visits: 2 })
    })
  })
}
