import type {
  BreakdownPage,
  BreakdownRow,
  ExposureCounts,
  FunnelStep,
  GoalSpec,
  StatsQuery,
  StatsStore,
  Totals,
} from '../store/types'
import { breakdownComparator, rankedPage } from './breakdown'
import { realtimeOf } from './realtime'
import { Union } from './sets'
import type { DayRow, RollupSource } from './source'
import { addDays, bucketOfDay, localMidnight, zoneClock } from './tz'
import { VISIT_DIMENSIONS } from './visits'

/** The stats queries every adapter answers the same way, over its `RollupSource`. */
export type StatsQueries = Pick<
  StatsStore,
  | 'statsTotals'
  | 'statsTimeseries'
  | 'statsBreakdown'
  | 'statsRealtime'
  | 'statsFunnel'
  | 'statsRetention'
  | 'statsExposures'
  | 'statsExperiments'
>

const zero = (): Totals => ({
  visitors: 0,
  visits: 0,
  pageviews: 0,
  events: 0,
  bounces: 0,
  duration: 0,
})

export const isVisitDimension = (d: string): d is (typeof VISIT_DIMENSIONS)[number] =>
  (VISIT_DIMENSIONS as readonly string[]).includes(d)

/**
 * The analytics of the stats API, once for every store: exact uniques as
 * unions of daily visitor sets, breakdown ranking that counts exact visitors
 * only where the page needs them, funnels, retention, exposures and
 * realtime. Without filters the answers come from the daily rollups; with
 * filters or a goal from one row per visit. Both give the same numbers: the
 * stats oracle checks each against a direct computation over raw events, on
 * every adapter.
 *
 * @example
 * const queries = createStatsEngine(sqliteRollupSource(db))
 * await queries.statsTotals({ siteId: 's1', timezone: 'UTC', from: '2026-03-01', to: '2026-03-31', filters: [] })
 */
export function createStatsEngine(source: RollupSource): StatsQueries {
  /**
   * The daily rollup rows a query's totals can be summed from: the site's
   * totals, or with a single "is" filter on a visit dimension that value's
   * rows, which hold exactly the matching visits (sums and visitor sets), so
   * the most common filter (a click on a row) reads no visit. Any other
   * filter: undefined, and the visits are read.
   */
  const rollupDays = (q: StatsQuery): (() => Promise<DayRow[]>) | undefined => {
    if (q.filters.length === 0) return () => source.dayRows(q.siteId, '', q.from, q.to)
    const [f] = q.filters
    if (q.filters.length > 1 || f!.op !== 'is' || !isVisitDimension(f!.dimension)) return undefined
    return () => source.dayRows(q.siteId, f!.dimension, q.from, q.to, { value: f!.value })
  }

  /** Distinct visitors who reached a goal in the range, from the facts. */
  const goalVisitors = async (q: StatsQuery, goal: GoalSpec) => {
    const union = new Union(await source.maxVid(q.siteId))
    union.next()
    let n = 0
    for (const row of await source.facts(q.siteId, factKey(goal), q.from, q.to, true)) {
      const vids = new Uint32Array(row.pairs.length / 2)
      for (let i = 0; i < vids.length; i++) vids[i] = row.pairs[2 * i]!
      n += union.add(vids)
    }
    return n
  }

  /** `[vid, instant]` pairs of a key over the range's days. */
  const factsOf = async (q: StatsQuery, key: string) => {
    const out: [number, number][] = []
    for (const row of await source.facts(q.siteId, key, q.from, q.to, true)) {
      const base = localMidnight(row.day, q.timezone)
      for (let i = 0; i < row.pairs.length; i += 2)
        out.push([row.pairs[i]!, base + row.pairs[i + 1]!])
    }
    return out
  }

  /** Pairs of a funnel step: facts, or raw events when the step has property conditions. */
  const stepPairs = async (q: StatsQuery, step: FunnelStep) => {
    const props = Object.entries(step.properties ?? {})
    if (step.kind === 'page' || props.length === 0) return factsOf(q, factKey(step))
    const start = localMidnight(q.from, q.timezone)
    const end = localMidnight(q.to, q.timezone, 1)
    const events = (await source.trackEvents(q.siteId, step.value, start, end)).filter((e) =>
      props.every(([k, v]) => e.properties?.[k] === v),
    )
    const vids = await source.vidsOf(q.siteId, [...new Set(events.map((e) => e.visitorId))])
    const out: [number, number][] = []
    for (const e of events) {
      const vid = vids.get(e.visitorId)
      if (vid !== undefined) out.push([vid, e.timestamp])
    }
    return out
  }

  /** Every value of a dimension from one row per visit (filters, goals, properties). */
  async function allBreakdownRows(
    q: StatsQuery,
    dimension: string,
    goal?: GoalSpec,
  ): Promise<BreakdownRow[]> {
    if (isVisitDimension(dimension)) return source.visitGroups(q, dimension, goal)
    // Page, event and property values live inside each visit: explode them here.
    const column = dimension === 'page' ? 'pages' : dimension === 'event' ? 'names' : 'props'
    const propKey = dimension.startsWith('prop:') ? `${dimension.slice(5)}=` : undefined
    const groups = new Map<string, Totals & { vids: Set<number>; converted: Set<number> }>()
    for (const v of await source.visitLines(q, column, goal)) {
      for (const line of v.list.split('\n')) {
        if (!line) continue
        let value: string
        let count = 1
        if (propKey) {
          if (!line.startsWith(propKey)) continue
          value = line.slice(propKey.length)
        } else {
          const tab = line.lastIndexOf('\t')
          value = line.slice(0, tab)
          count = Number(line.slice(tab + 1))
        }
        let g = groups.get(value)
        if (!g) groups.set(value, (g = { ...zero(), vids: new Set(), converted: new Set() }))
        g.vids.add(v.vid)
        if (v.converted) g.converted.add(v.vid)
        g.visits++
        if (dimension === 'page') g.pageviews += count
        else if (dimension === 'event') g.events += count
        else {
          g.pageviews += v.pageviews
          g.events += v.events
          g.bounces += v.bounce
          g.duration += v.duration
        }
      }
    }
    return [...groups].map(([value, g]) => ({
      value,
      visitors: g.vids.size,
      visits: g.visits,
      pageviews: g.pageviews,
      events: g.events,
      bounces: g.bounces,
      duration: g.duration,
      conversions: goal ? g.converted.size : null,
    }))
  }

  /**
   * A page of an unfiltered breakdown from the daily rollups. The summed
   * metrics of every value come from one grouped query that never reads a
   * visitor set; exact visitors (a union of the value's daily sets) are
   * counted only where needed: for the returned rows, and when ranking by
   * visitors, for values in order of their bound (the sum of daily visitors
   * going down, the largest daily count going up) until no value left can
   * overtake the page. The result equals sorting every exact row.
   */
  async function rankedFromRollups(q: StatsQuery, dimension: string, page: BreakdownPage) {
    const union = new Union(await source.maxVid(q.siteId))
    const exact = async (r: BreakdownRow) => {
      union.next()
      r.visitors = 0
      for (const set of await source.valueSets(q.siteId, dimension, r.value, q.from, q.to)) {
        r.visitors += union.add(set)
      }
    }
    const sums = await source.dimensionSums(q.siteId, dimension, q.from, q.to)
    const rows: BreakdownRow[] = sums.map((r) => ({
      ...pickTotals(r),
      value: r.value,
      conversions: null,
    }))
    const end = page.offset + page.limit
    const compare = breakdownComparator(page, dimension)
    if (page.sort !== 'visitors') {
      const out = rows.sort(compare).slice(page.offset, end)
      for (const r of out) await exact(r)
      return { total: rows.length, rows: out }
    }
    const down = page.order === 'desc'
    const order = sums
      .map((r, i) => ({ bound: down ? r.visitors : r.most, row: rows[i]! }))
      .sort((a, b) => (down ? b.bound - a.bound : a.bound - b.bound))
    const counted: BreakdownRow[] = []
    for (const { bound, row } of order) {
      if (counted.length >= end) {
        counted.sort(compare)
        const last = counted[end - 1]!.visitors
        if (down ? last > bound : last < bound) break
      }
      await exact(row)
      counted.push(row)
    }
    return { total: rows.length, rows: counted.sort(compare).slice(page.offset, end) }
  }

  return {
    async statsTotals(q, goal) {
      const days = goal && q.filters.length > 0 ? undefined : rollupDays(q)
      if (!days) return source.visitTotals(q, goal)
      const union = new Union(await source.maxVid(q.siteId))
      union.next()
      const totals = zero()
      for (const row of await days()) {
        addSums(totals, row)
        totals.visitors += union.add(row.vset)
      }
      return { ...totals, conversions: goal ? await goalVisitors(q, goal) : null }
    },

    async statsTimeseries(q, interval) {
      const days = interval === 'hour' && q.filters.length > 0 ? undefined : rollupDays(q)
      if (!days) return source.visitSeries(q, interval)
      const out = new Map<string, Totals>()
      if (interval === 'hour') {
        for (const r of await source.hourRows(q.siteId, q.from, q.to)) {
          out.set(new Date(r.hour).toISOString(), pickTotals(r))
        }
        return out
      }
      const union = new Union(await source.maxVid(q.siteId))
      let current: string | undefined
      for (const row of await days()) {
        const key = bucketOfDay(row.day, interval)
        if (key !== current) {
          current = key
          union.next()
          out.set(key, zero())
        }
        const t = out.get(key)!
        addSums(t, row)
        t.visitors += union.add(row.vset)
      }
      return out
    },

    async statsBreakdown(q, dimension, goal, page) {
      if (q.filters.length === 0 && !goal && !dimension.startsWith('prop:')) {
        return rankedFromRollups(q, dimension, page)
      }
      return rankedPage(await allBreakdownRows(q, dimension, goal), page, dimension)
    },

    async statsRealtime(siteId, now, filters) {
      const minute = 60_000
      const first = Math.floor(now / minute) * minute - 29 * minute
      return realtimeOf(await source.recentEvents(siteId, first, now + 1), first, now, filters)
    },

    async statsFunnel(q, steps, windowMs) {
      const size = (await source.maxVid(q.siteId)) + 1
      const allowed = await source.filteredVids(q)
      const entered = new Float64Array(size).fill(Infinity)
      let previous = entered
      const results = []
      for (const [index, step] of steps.entries()) {
        const reached = new Float64Array(size).fill(Infinity)
        for (const [vid, ts] of await stepPairs(q, step)) {
          if (vid >= size || (allowed && !allowed.has(vid))) continue
          if (index === 0) {
            if (ts < reached[vid]!) reached[vid] = ts
            continue
          }
          const after = previous[vid]!
          if (ts >= after && ts - entered[vid]! <= windowMs && ts < reached[vid]!) reached[vid] = ts
        }
        if (index === 0) entered.set(reached)
        const times: number[] = []
        let visitors = 0
        for (let vid = 0; vid < size; vid++) {
          if (reached[vid] === Infinity) continue
          visitors++
          if (index > 0) times.push(reached[vid]! - previous[vid]!)
        }
        results.push({ visitors, medianMs: index === 0 ? 0 : median(times) })
        previous = reached
      }
      return results
    },

    async statsRetention(q, period, periods, today) {
      const clock = zoneClock(q.timezone)
      const allowed = await source.filteredVids(q)
      const index = (day: string) => periodIndex(bucketOfDay(day, period), period)
      // Typed arrays indexed by visitor number: a 10M-event site has a few
      // hundred thousand visitors and millions of (visitor, day) memberships.
      const size = (await source.maxVid(q.siteId)) + 1
      const NONE = -2_147_483_648
      const cohortOf = new Int32Array(size).fill(NONE) // vid → cohort period index
      const lastCounted = new Int32Array(size).fill(NONE) // vid → last period counted
      const cohorts = new Map<number, { cohort: string; visitors: number; active: number[] }>()
      const base = index(q.from) // cohorts' period indices start here
      const active: number[][] = [] // cohort (index − base) → active counts per period
      const start = localMidnight(q.from, q.timezone)
      const end = localMidnight(q.to, q.timezone, 1)
      // Every offset is a whole number of quarter hours, so a quarter hour lies
      // in one local day: its period is worked out once, not per visitor.
      const periodOfQuarter = new Map<number, number>()
      for (const [vid, firstSeen] of await source.firstSeen(q.siteId, start, end)) {
        if (vid >= size || (allowed && !allowed.has(vid))) continue
        const quarter = Math.floor(firstSeen / 900_000)
        let p = periodOfQuarter.get(quarter)
        if (p === undefined) periodOfQuarter.set(quarter, (p = index(clock.day(firstSeen))))
        cohortOf[vid] = p
        let c = cohorts.get(p)
        if (!c) {
          const day = clock.day(firstSeen)
          c = {
            cohort: bucketOfDay(day, period),
            visitors: 0,
            active: new Array<number>(periods + 1).fill(0),
          }
          cohorts.set(p, c)
          active[p - base] = c.active
        }
        c.visitors++
      }
      const lastDay = [addPeriods(bucketOfDay(q.to, period), period, periods + 1), today].sort()[0]!
      for (const row of await source.dayRows(q.siteId, '', bucketOfDay(q.from, period), lastDay)) {
        const p = index(row.day)
        const vids = row.vset
        for (let i = 0; i < vids.length; i++) {
          const vid = vids[i]!
          if (vid >= size) continue
          const c = cohortOf[vid]!
          if (c === NONE || p < c || p - c > periods || lastCounted[vid] === p) continue
          lastCounted[vid] = p
          active[c - base]![p - c]!++
        }
      }
      const todayIndex = index(today)
      return [...cohorts]
        .sort((a, b) => a[0] - b[0])
        .map(([p, c]) => ({
          cohort: c.cohort,
          visitors: c.visitors,
          active: c.active.map((n, k) => (p + k > todayIndex ? null : n)),
        }))
    },

    async statsExposures(q, experimentId, goal) {
      const allowed = await source.filteredVids(q)
      const first = new Map<number, { variant: string; ts: number }>()
      const prefix = `exp:${experimentId}\u001f`
      for (const row of await source.facts(q.siteId, prefix, q.from, q.to, false)) {
        const variant = row.key.slice(prefix.length)
        const base = localMidnight(row.day, q.timezone)
        for (let i = 0; i < row.pairs.length; i += 2) {
          const vid = row.pairs[i]!
          const ts = base + row.pairs[i + 1]!
          if (allowed && !allowed.has(vid)) continue
          const seen = first.get(vid)
          if (!seen || ts < seen.ts || (ts === seen.ts && variant < seen.variant)) {
            first.set(vid, { variant, ts })
          }
        }
      }
      const converted = new Set<number>()
      for (const [vid, ts] of await factsOf(q, factKey(goal))) {
        const exposure = first.get(vid)
        if (exposure && ts >= exposure.ts) converted.add(vid)
      }
      const byVariant = new Map<string, ExposureCounts>()
      for (const [vid, { variant }] of first) {
        let c = byVariant.get(variant)
        if (!c) byVariant.set(variant, (c = { variant, exposed: 0, conversions: 0 }))
        c.exposed++
        if (converted.has(vid)) c.conversions++
      }
      return [...byVariant.values()].sort((a, b) => (a.variant < b.variant ? -1 : 1))
    },

    async statsExperiments(q) {
      const allowed = await source.filteredVids(q)
      const byId = new Map<string, { variants: Set<string>; vids: Set<number> }>()
      // Exposure keys are `exp:<id>\u001f<variant>`.
      for (const row of await source.facts(q.siteId, 'exp:', q.from, q.to, false)) {
        const cut = row.key.indexOf('\u001f')
        if (cut < 0) continue
        const id = row.key.slice(4, cut)
        let e = byId.get(id)
        if (!e) byId.set(id, (e = { variants: new Set(), vids: new Set() }))
        e.variants.add(row.key.slice(cut + 1))
        for (let i = 0; i < row.pairs.length; i += 2) {
          if (!allowed || allowed.has(row.pairs[i]!)) e.vids.add(row.pairs[i]!)
        }
      }
      return [...byId]
        .map(([id, e]) => ({ id, variants: [...e.variants].sort(), exposed: e.vids.size }))
        .filter((e) => e.exposed > 0)
        .sort((a, b) => b.exposed - a.exposed || (a.id < b.id ? -1 : 1))
    },
  }
}

/** The fact key of a goal or funnel step: `page:<path>` or `event:<name>`. */
const factKey = (g: GoalSpec) => `${g.kind}:${g.value}`

export function pickTotals(r: Totals): Totals {
  return {
    visitors: r.visitors,
    visits: r.visits,
    pageviews: r.pageviews ?? 0,
    events: r.events ?? 0,
    bounces: r.bounces ?? 0,
    duration: r.duration ?? 0,
  }
}

function addSums(t: Totals, r: Totals) {
  t.visits += r.visits
  t.pageviews += r.pageviews
  t.events += r.events
  t.bounces += r.bounces
  t.duration += r.duration
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  values.sort((a, b) => a - b)
  const mid = values.length >> 1
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2
}

/** A period's position on a line of periods, so period differences are subtractions. */
function periodIndex(bucket: string, period: 'day' | 'week' | 'month'): number {
  if (period === 'month') return Number(bucket.slice(0, 4)) * 12 + Number(bucket.slice(5, 7)) - 1
  const days = Date.parse(`${bucket}T00:00:00Z`) / 86_400_000
  return period === 'day' ? days : Math.floor(days / 7)
}

/** The last day before the period `n` periods after the one starting on `bucket`. */
function addPeriods(bucket: string, period: 'day' | 'week' | 'month', n: number): string {
  if (period === 'month') {
    const [y, m] = bucket.split('-').map(Number) as [number, number]
    return new Date(Date.UTC(y, m - 1 + n, 1) - 86_400_000).toISOString().slice(0, 10)
  }
  return addDays(bucket, (period === 'day' ? n : 7 * n) - 1)
}
