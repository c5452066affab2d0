import type Database from 'better-sqlite3'
import { addDays, bucketOfDay, localMidnight, zoneClock } from '../../stats/tz'
import { breakdownComparator, rankedPage } from '../../stats/breakdown'
import { VISIT_DIMENSIONS, referrerHost } from '../../stats/visits'
import type {
  BreakdownPage,
  BreakdownRow,
  EventStore,
  ExposureCounts,
  Filter,
  FunnelStep,
  GoalSpec,
  StatsQuery,
  Totals,
} from '../types'
import { EventFlag } from '../types'
import type { Aggregator } from './aggregate'
import type { AggregationThreads } from './aggregate-thread'
import { decodeSet } from './aggregate'
import type { GoalRow } from './rows'
import { toGoal } from './rows'

type StatsMethods = Pick<
  EventStore,
  | 'statsTotals'
  | 'statsTimeseries'
  | 'statsBreakdown'
  | 'statsRealtime'
  | 'statsFunnel'
  | 'statsRetention'
  | 'statsExposures'
  | 'statsExperiments'
  | 'purgeRollups'
  | 'listGoals'
  | 'createGoal'
  | 'deleteGoal'
  | 'aggregate'
  | 'aggregationBehind'
>

/** A row of summed metrics as SQL returns it: the fields of `Totals`. */
type SumRow = Totals

const zero = (): Totals => ({
  visitors: 0,
  visits: 0,
  pageviews: 0,
  events: 0,
  bounces: 0,
  duration: 0,
})

const isVisitDim = (d: string): d is (typeof VISIT_DIMENSIONS)[number] =>
  (VISIT_DIMENSIONS as readonly string[]).includes(d)

/** A `LIKE` pattern for "contains", with `%`, `_` and `\` taken literally. */
const likeContains = (v: string) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * The SQL condition over `agg_sessions` for a filter list (AND). Visit
 * dimensions compare the visit's column; `page`, `event` and `prop:<key>`
 * select visits that contain a matching page view or custom event ("is not":
 * visits with none).
 */
function sessionWhere(filters: Filter[]): { sql: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  for (const f of filters) {
    if (isVisitDim(f.dimension)) {
      const col = f.dimension
      if (f.op === 'contains') {
        parts.push(`${col} LIKE ? ESCAPE '\\'`)
        params.push(likeContains(f.value ?? ''))
      } else if (f.value === null) {
        parts.push(`${col} IS ${f.op === 'is' ? '' : 'NOT '}NULL`)
      } else {
        parts.push(f.op === 'is' ? `${col} = ?` : `${col} IS NOT ?`)
        params.push(f.value)
      }
      continue
    }
    const { column, needle, key } = lineTarget(f.dimension, f.value ?? '')
    if (f.op === 'contains') {
      parts.push(`pipit_line_contains(${column}, ?, ?)`)
      params.push(key, f.value ?? '')
    } else {
      parts.push(`instr(${column}, ?) ${f.op === 'is' ? '>' : '='} 0`)
      params.push(needle)
    }
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params }
}

/** Where a page, event or property dimension lives in a visit row, and the exact line to find. */
function lineTarget(dimension: string, value: string) {
  if (dimension === 'page') return { column: 'pages', needle: `\n${value}\t`, key: '' }
  if (dimension === 'event') return { column: 'names', needle: `\n${value}\t`, key: '' }
  const key = dimension.slice('prop:'.length)
  return { column: 'props', needle: `\n${key}=${value}\n`, key: `${key}=` }
}

/** The SQL condition "the visit reached the goal". */
function goalCondition(goal: GoalSpec) {
  return {
    sql: `instr(${goal.kind === 'page' ? 'pages' : 'names'}, ?) > 0`,
    param: `\n${goal.value}\t`,
  }
}

/** Counts distinct visitor numbers over many stored sets, reusing one mark array. */
class Union {
  private marks: Int32Array
  private generation = 0
  constructor(maxVid: number) {
    this.marks = new Int32Array(maxVid + 2)
  }
  /** Starts a new group: sets added from now on are counted together. */
  next() {
    this.generation++
  }
  /** Adds a stored set to the current group; returns how many were new. */
  add(set: Uint32Array): number {
    const g = this.generation
    const marks = this.marks
    let added = 0
    for (let i = 0; i < set.length; i++) {
      const v = set[i]!
      if (marks[v] !== g) {
        marks[v] = g
        added++
      }
    }
    return added
  }
}

/**
 * The stats queries of the SQLite adapter. Without filters they read the
 * rollups (`agg_days`, `agg_hours`, `agg_facts`); with filters or a goal
 * they read one row per visit (`agg_sessions`). Both give the same numbers:
 * the oracle tests check each against a direct computation over raw events.
 */
export function statsMethods(
  db: Database.Database,
  aggregator: Aggregator,
  threads?: AggregationThreads,
): StatsMethods {
  db.function(
    'pipit_line_contains',
    { deterministic: true },
    (text: unknown, key: unknown, needle: unknown) => {
      if (typeof text !== 'string' || typeof needle !== 'string' || typeof key !== 'string')
        return 0
      const n = needle.toLowerCase()
      for (const line of text.split('\n')) {
        if (!line || !line.startsWith(key)) continue
        const tab = key ? line.length : line.lastIndexOf('\t')
        const value = line.slice(key.length, tab < 0 ? line.length : tab)
        if (value.toLowerCase().includes(n)) return 1
      }
      return 0
    },
  )
  const maxVidRow = db.prepare<[string], { value: number }>(
    'SELECT value FROM agg_state WHERE key = ?',
  )
  const maxVid = (siteId: string) => maxVidRow.get(`vid:${siteId}`)?.value ?? 0
  const dayRows = db.prepare<
    [string, string, string, string],
    SumRow & { day: string; vset: Buffer }
  >(
    `SELECT day, visitors, visits, pageviews, events, bounces, duration, vset FROM agg_days
      WHERE site_id = ? AND dim = ? AND day BETWEEN ? AND ? ORDER BY day`,
  )
  // One value's rows (a visit dimension's), for a single "is" filter.
  const valueDayRows = db.prepare<
    [string, string, string | null, string, string],
    SumRow & { day: string; vset: Buffer }
  >(
    `SELECT day, visitors, visits, pageviews, events, bounces, duration, vset FROM agg_days
      WHERE site_id = ? AND dim = ? AND value IS ? AND day BETWEEN ? AND ? ORDER BY day`,
  )
  /**
   * The daily rollup rows a query's totals can be summed from: the site's
   * totals, or with a single "is" filter on a visit dimension that value's
   * rows, which hold exactly the matching visits (sums and visitor sets), so
   * the most common filter (a click on a row) reads no visit. Any other
   * filter: undefined, and the visits are read. (A reader, not the rows: an
   * iteration started and left open would keep its statement busy.)
   */
  const rollupDays = (q: StatsQuery) => {
    if (q.filters.length === 0) return () => dayRows.iterate(q.siteId, '', q.from, q.to)
    const [f] = q.filters
    if (q.filters.length > 1 || f!.op !== 'is' || !isVisitDim(f!.dimension)) return undefined
    return () => valueDayRows.iterate(q.siteId, f!.dimension, f!.value, q.from, q.to)
  }
  // Summed metrics per value without touching the visitor sets: `visitors`
  // is then the sum of daily uniques (an upper bound), `most` the largest
  // daily count (a lower bound).
  const dimSums = db.prepare<
    [string, string, string, string],
    SumRow & { value: string | null; most: number }
  >(
    `SELECT value, SUM(visitors) AS visitors, MAX(visitors) AS most, SUM(visits) AS visits,
            SUM(pageviews) AS pageviews, SUM(events) AS events, SUM(bounces) AS bounces,
            SUM(duration) AS duration
       FROM agg_days WHERE site_id = ? AND dim = ? AND day BETWEEN ? AND ? GROUP BY value`,
  )
  const valueSets = db.prepare<[string, string, string | null, string, string]>(
    `SELECT vset FROM agg_days
      WHERE site_id = ? AND dim = ? AND value IS ? AND day BETWEEN ? AND ?`,
  )
  const hourRows = db.prepare<[string, string, string], SumRow & { hour: number }>(
    `SELECT hour, visitors, visits, pageviews, events, bounces, duration FROM agg_hours
      WHERE site_id = ? AND day BETWEEN ? AND ?`,
  )
  const factRows = db.prepare<[string, string, string, string], { day: string; pairs: Buffer }>(
    'SELECT day, pairs FROM agg_facts WHERE site_id = ? AND key = ? AND day BETWEEN ? AND ?',
  )
  const exposureRows = db.prepare<
    [string, string, string, string, string],
    { key: string; day: string; pairs: Buffer }
  >(
    `SELECT key, day, pairs FROM agg_facts
      WHERE site_id = ? AND key > ? AND key < ? AND day BETWEEN ? AND ?`,
  )
  // Covered by the index agg_visitors_first (site_id, first_seen, vid); rows as arrays.
  const cohortRows = db
    .prepare<[string, number, number]>(
      'SELECT vid, first_seen FROM agg_visitors WHERE site_id = ? AND first_seen >= ? AND first_seen < ?',
    )
    .raw()
  const vidOf = db.prepare<[string, string], { vid: number }>(
    'SELECT vid FROM agg_visitors WHERE site_id = ? AND visitor_id = ?',
  )
  const propertyEvents = db.prepare<
    [string, string, number, number],
    { visitor_id: string; timestamp: number; properties: string | null }
  >(
    `SELECT visitor_id, timestamp, properties FROM events
      WHERE site_id = ? AND type = 'track' AND name = ? AND timestamp >= ? AND timestamp < ?
        AND (flags & ${EventFlag.bot}) = 0`,
  )
  const realtimeRows = db.prepare<
    [string, number, number],
    {
      visitor_id: string
      timestamp: number
      type: string
      name: string | null
      path: string | null
      [column: string]: unknown
    }
  >(
    `SELECT * FROM events
      WHERE site_id = ? AND timestamp >= ? AND timestamp < ?
        AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')`,
  )
  const selectGoals = db.prepare<[string], GoalRow>(
    'SELECT * FROM goals WHERE site_id = ? ORDER BY created_at, id',
  )
  const insertGoal = db.prepare(
    'INSERT INTO goals (site_id, id, name, kind, value, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const removeGoal = db.prepare('DELETE FROM goals WHERE site_id = ? AND id = ?')
  const rollupTables = ['agg_sessions', 'agg_hours', 'agg_days', 'agg_facts']
  const purgeOld = rollupTables.map((t) =>
    db.prepare(`DELETE FROM ${t} WHERE site_id = ? AND day < ?`),
  )
  const countOld = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM agg_sessions WHERE site_id = ? AND day < ?',
  )
  const purgeRollups = db.transaction((siteId: string, beforeDay: string) => {
    const n = countOld.get(siteId, beforeDay)!.n
    for (const stmt of purgeOld) stmt.run(siteId, beforeDay)
    return n
  })

  const sessionTotals = (q: StatsQuery, extraSelect = '', extraParams: unknown[] = []) => {
    const where = sessionWhere(q.filters)
    return db
      .prepare(
        `SELECT COUNT(DISTINCT vid) AS visitors, COUNT(*) AS visits,
                COALESCE(SUM(pageviews), 0) AS pageviews, COALESCE(SUM(events), 0) AS events,
                COALESCE(SUM(bounce), 0) AS bounces, COALESCE(SUM(duration), 0) AS duration
                ${extraSelect}
           FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
      )
      .get(...extraParams, q.siteId, q.from, q.to, ...where.params) as SumRow & {
      conversions?: number
    }
  }

  /** Visitor numbers with a visit matching the filters in the range (funnels, retention, experiments). */
  const filteredVids = (q: StatsQuery): Set<number> | null => {
    if (q.filters.length === 0) return null
    const where = sessionWhere(q.filters)
    const vids = db
      .prepare(
        `SELECT DISTINCT vid FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
      )
      .pluck()
      .all(q.siteId, q.from, q.to, ...where.params) as number[]
    return new Set(vids)
  }

  /** Distinct visitors who reached a goal in the range, from the facts. */
  const goalVisitors = (q: StatsQuery, goal: GoalSpec) => {
    const union = new Union(maxVid(q.siteId))
    union.next()
    let n = 0
    for (const row of factRows.iterate(q.siteId, `${goal.kind}:${goal.value}`, q.from, q.to)) {
      const pairs = decodeSet(row.pairs)
      const vids = new Uint32Array(pairs.length / 2)
      for (let i = 0; i < vids.length; i++) vids[i] = pairs[2 * i]!
      n += union.add(vids)
    }
    return n
  }

  /** `(vid, instant)` pairs of a key over the range's days. */
  function* factsOf(q: StatsQuery, key: string) {
    for (const row of factRows.iterate(q.siteId, key, q.from, q.to)) {
      const base = localMidnight(row.day, q.timezone)
      const pairs = decodeSet(row.pairs)
      for (let i = 0; i < pairs.length; i += 2) yield [pairs[i]!, base + pairs[i + 1]!] as const
    }
  }

  /** Pairs of a funnel step: facts, or raw events when the step has property conditions. */
  function* stepPairs(q: StatsQuery, step: FunnelStep) {
    const props = Object.entries(step.properties ?? {})
    if (step.kind === 'page' || props.length === 0) {
      yield* factsOf(q, `${step.kind}:${step.value}`)
      return
    }
    const start = localMidnight(q.from, q.timezone)
    const end = localMidnight(q.to, q.timezone, 1)
    const vids = new Map<string, number | undefined>()
    for (const e of propertyEvents.iterate(q.siteId, step.value, start, end)) {
      const p = e.properties ? (JSON.parse(e.properties) as Record<string, unknown>) : {}
      if (!props.every(([k, v]) => p[k] === v)) continue
      let vid = vids.get(e.visitor_id)
      if (!vids.has(e.visitor_id))
        vids.set(e.visitor_id, (vid = vidOf.get(q.siteId, e.visitor_id)?.vid))
      if (vid !== undefined) yield [vid, e.timestamp] as const
    }
  }

  /** Every value of a dimension from one row per visit (filters, goals, properties). */
  function allBreakdownRows(q: StatsQuery, dimension: string, goal?: GoalSpec): BreakdownRow[] {
    const where = sessionWhere(q.filters)
    const cond = goal ? goalCondition(goal) : undefined
    if (isVisitDim(dimension)) {
      const rows = db
        .prepare(
          `SELECT ${dimension} AS value, COUNT(DISTINCT vid) AS visitors, COUNT(*) AS visits,
                  SUM(pageviews) AS pageviews, SUM(events) AS events, SUM(bounce) AS bounces,
                  SUM(duration) AS duration
                  ${cond ? `, COUNT(DISTINCT CASE WHEN ${cond.sql} THEN vid END) AS conversions` : ''}
             FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}
            GROUP BY ${dimension}`,
        )
        .all(...(cond ? [cond.param] : []), q.siteId, q.from, q.to, ...where.params) as (SumRow & {
        value: string | null
        conversions?: number
      })[]
      return rows.map((r) => ({
        value: r.value,
        ...pickTotals(r),
        conversions: r.conversions ?? null,
      }))
    }
    // Page, event and property values live inside each visit: explode them here.
    const column = dimension === 'page' ? 'pages' : dimension === 'event' ? 'names' : 'props'
    const propKey = dimension.startsWith('prop:') ? `${dimension.slice(5)}=` : undefined
    const visits = db
      .prepare(
        `SELECT vid, pageviews, events, bounce, duration, ${column} AS list
                ${cond ? `, ${cond.sql} AS converted` : ''}
           FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
      )
      .all(...(cond ? [cond.param] : []), q.siteId, q.from, q.to, ...where.params) as {
      vid: number
      pageviews: number
      events: number
      bounce: number
      duration: number
      list: string
      converted?: number
    }[]
    const groups = new Map<string, Totals & { vids: Set<number>; converted: Set<number> }>()
    for (const v of visits) {
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
      conversions: cond ? g.converted.size : null,
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
  function rankedFromRollups(q: StatsQuery, dimension: string, page: BreakdownPage) {
    const union = new Union(maxVid(q.siteId))
    const exact = (r: BreakdownRow) => {
      union.next()
      r.visitors = 0
      for (const set of valueSets.pluck().iterate(q.siteId, dimension, r.value, q.from, q.to)) {
        r.visitors += union.add(decodeSet(set as Buffer))
      }
    }
    const sums = dimSums.all(q.siteId, dimension, q.from, q.to)
    const rows = sums.map((r) => ({ ...pickTotals(r), value: r.value, conversions: null }))
    const end = page.offset + page.limit
    const compare = breakdownComparator(page, dimension)
    if (page.sort !== 'visitors') {
      const out = rows.sort(compare).slice(page.offset, end)
      out.forEach(exact)
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
      exact(row)
      counted.push(row)
    }
    return { total: rows.length, rows: counted.sort(compare).slice(page.offset, end) }
  }

  return {
    async aggregate(options = {}) {
      if (threads) return threads.run(options)
      return Promise.resolve(
        options.rebuild ? aggregator.rebuild(options) : aggregator.pass(options),
      )
    },
    aggregationBehind: () => Promise.resolve(aggregator.behind()),

    statsTotals(q, goal) {
      const days = goal && q.filters.length > 0 ? undefined : rollupDays(q)
      if (!days) {
        const cond = goal ? goalCondition(goal) : undefined
        const row = sessionTotals(
          q,
          cond ? `, COUNT(DISTINCT CASE WHEN ${cond.sql} THEN vid END) AS conversions` : '',
          cond ? [cond.param] : [],
        )
        return Promise.resolve({ ...pickTotals(row), conversions: row.conversions ?? null })
      }
      const union = new Union(maxVid(q.siteId))
      union.next()
      const totals = zero()
      for (const row of days()) {
        addSums(totals, row)
        totals.visitors += union.add(decodeSet(row.vset))
      }
      return Promise.resolve({ ...totals, conversions: goal ? goalVisitors(q, goal) : null })
    },

    statsTimeseries(q, interval) {
      const out = new Map<string, Totals>()
      const days = interval === 'hour' && q.filters.length > 0 ? undefined : rollupDays(q)
      if (!days) {
        const where = sessionWhere(q.filters)
        const key = {
          hour: 'hour',
          day: 'day',
          week: `date(day, '-6 days', 'weekday 1')`,
          month: `substr(day, 1, 7) || '-01'`,
        }[interval]
        const rows = db
          .prepare(
            `SELECT ${key} AS bucket, COUNT(DISTINCT vid) AS visitors, COUNT(*) AS visits,
                    SUM(pageviews) AS pageviews, SUM(events) AS events, SUM(bounce) AS bounces,
                    SUM(duration) AS duration
               FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}
              GROUP BY bucket`,
          )
          .all(q.siteId, q.from, q.to, ...where.params) as (SumRow & { bucket: string | number })[]
        for (const r of rows) {
          const k = typeof r.bucket === 'number' ? new Date(r.bucket).toISOString() : r.bucket
          out.set(k, pickTotals(r))
        }
        return Promise.resolve(out)
      }
      if (interval === 'hour') {
        for (const r of hourRows.iterate(q.siteId, q.from, q.to)) {
          out.set(new Date(r.hour).toISOString(), pickTotals(r))
        }
        return Promise.resolve(out)
      }
      const union = new Union(maxVid(q.siteId))
      let current: string | undefined
      for (const row of days()) {
        const key = bucketOfDay(row.day, interval)
        if (key !== current) {
          current = key
          union.next()
          out.set(key, zero())
        }
        const t = out.get(key)!
        addSums(t, row)
        t.visitors += union.add(decodeSet(row.vset))
      }
      return Promise.resolve(out)
    },

    statsBreakdown(q, dimension, goal, page) {
      if (q.filters.length === 0 && !goal && !dimension.startsWith('prop:')) {
        return Promise.resolve(rankedFromRollups(q, dimension, page))
      }
      return Promise.resolve(rankedPage(allBreakdownRows(q, dimension, goal), page, dimension))
    },

    statsRealtime(siteId, now, filters) {
      const minute = 60_000
      const first = Math.floor(now / minute) * minute - 29 * minute
      const minutes = Array.from({ length: 30 }, (_, i) => ({
        start: first + i * minute,
        vids: new Set<string>(),
        pageviews: 0,
      }))
      const recent = new Set<string>()
      for (const e of realtimeRows.iterate(siteId, first, now + 1)) {
        if (!filters.every((f) => matchesRaw(e, f))) continue
        const m = minutes[Math.floor((e.timestamp - first) / minute)]
        if (!m) continue
        m.vids.add(e.visitor_id)
        if (e.type !== 'track') m.pageviews++
        if (e.timestamp > now - 5 * minute) recent.add(e.visitor_id)
      }
      return Promise.resolve({
        visitors: recent.size,
        minutes: minutes.map((m) => ({
          start: m.start,
          visitors: m.vids.size,
          pageviews: m.pageviews,
        })),
      })
    },

    statsFunnel(q, steps, windowMs) {
      const size = maxVid(q.siteId) + 1
      const allowed = filteredVids(q)
      const entered = new Float64Array(size).fill(Infinity)
      let previous = entered
      const results = []
      for (const [index, step] of steps.entries()) {
        const reached = new Float64Array(size).fill(Infinity)
        for (const [vid, ts] of stepPairs(q, step)) {
          if (allowed && !allowed.has(vid)) continue
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
      return Promise.resolve(results)
    },

    statsRetention(q, period, periods, today) {
      const clock = zoneClock(q.timezone)
      const allowed = filteredVids(q)
      const index = (day: string) => periodIndex(bucketOfDay(day, period), period)
      // Typed arrays indexed by visitor number: a 10M-event site has a few
      // hundred thousand visitors and millions of (visitor, day) memberships.
      const size = maxVid(q.siteId) + 1
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
      for (const [vid, firstSeen] of cohortRows.iterate(q.siteId, start, end) as Iterable<
        [number, number]
      >) {
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
      for (const row of dayRows.iterate(q.siteId, '', bucketOfDay(q.from, period), lastDay)) {
        const p = index(row.day)
        const vids = decodeSet(row.vset)
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
      return Promise.resolve(
        [...cohorts]
          .sort((a, b) => a[0] - b[0])
          .map(([p, c]) => ({
            cohort: c.cohort,
            visitors: c.visitors,
            active: c.active.map((n, k) => (p + k > todayIndex ? null : n)),
          })),
      )
    },

    statsExposures(q, experimentId, goal) {
      const allowed = filteredVids(q)
      const first = new Map<number, { variant: string; ts: number }>()
      const prefix = `exp:${experimentId}\u001f`
      for (const row of exposureRows.iterate(
        q.siteId,
        prefix,
        `exp:${experimentId}\u0020`,
        q.from,
        q.to,
      )) {
        if (!row.key.startsWith(prefix)) continue
        const variant = row.key.slice(prefix.length)
        const base = localMidnight(row.day, q.timezone)
        const pairs = decodeSet(row.pairs)
        for (let i = 0; i < pairs.length; i += 2) {
          const vid = pairs[i]!
          const ts = base + pairs[i + 1]!
          if (allowed && !allowed.has(vid)) continue
          const seen = first.get(vid)
          if (!seen || ts < seen.ts || (ts === seen.ts && variant < seen.variant)) {
            first.set(vid, { variant, ts })
          }
        }
      }
      const converted = new Set<number>()
      for (const [vid, ts] of factsOf(q, `${goal.kind}:${goal.value}`)) {
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
      return Promise.resolve(
        [...byVariant.values()].sort((a, b) => (a.variant < b.variant ? -1 : 1)),
      )
    },

    statsExperiments(q) {
      const allowed = filteredVids(q)
      const byId = new Map<string, { variants: Set<string>; vids: Set<number> }>()
      // Exposure keys are `exp:<id>\u001f<variant>`; '\u001f' < every printable character.
      for (const row of exposureRows.iterate(q.siteId, 'exp:', 'exp;', q.from, q.to)) {
        const cut = row.key.indexOf('\u001f')
        if (cut < 0) continue
        const id = row.key.slice(4, cut)
        let e = byId.get(id)
        if (!e) byId.set(id, (e = { variants: new Set(), vids: new Set() }))
        e.variants.add(row.key.slice(cut + 1))
        const pairs = decodeSet(row.pairs)
        for (let i = 0; i < pairs.length; i += 2) {
          if (!allowed || allowed.has(pairs[i]!)) e.vids.add(pairs[i]!)
        }
      }
      return Promise.resolve(
        [...byId]
          .map(([id, e]) => ({ id, variants: [...e.variants].sort(), exposed: e.vids.size }))
          .filter((e) => e.exposed > 0)
          .sort((a, b) => b.exposed - a.exposed || (a.id < b.id ? -1 : 1)),
      )
    },

    purgeRollups: (siteId, beforeDay, dryRun) =>
      Promise.resolve(
        dryRun ? countOld.get(siteId, beforeDay)!.n : purgeRollups(siteId, beforeDay),
      ),
    listGoals: (siteId) => Promise.resolve(selectGoals.all(siteId).map(toGoal)),
    createGoal(g) {
      insertGoal.run(g.siteId, g.id, g.name, g.kind, g.value, g.createdAt)
      return Promise.resolve()
    },
    deleteGoal: (siteId, id) => Promise.resolve(removeGoal.run(siteId, id).changes === 1),
  }
}

function pickTotals(r: SumRow): Totals {
  return {
    visitors: r.visitors,
    visits: r.visits,
    pageviews: r.pageviews ?? 0,
    events: r.events ?? 0,
    bounces: r.bounces ?? 0,
    duration: r.duration ?? 0,
  }
}

function addSums(t: Totals, r: SumRow) {
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

/** A filter against a raw event row (realtime): visit dimensions compare the event's own column. */
function matchesRaw(e: Record<string, unknown>, f: Filter): boolean {
  let actual: unknown
  if (f.dimension === 'page' || f.dimension === 'entry_page' || f.dimension === 'exit_page') {
    actual = e.type === 'track' ? undefined : (e.path ?? e.name)
    if (actual === undefined) return f.op === 'is_not'
  } else if (f.dimension === 'event') {
    if (e.type !== 'track') return f.op === 'is_not'
    actual = e.name
  } else if (f.dimension.startsWith('prop:')) {
    const props =
      typeof e.properties === 'string' ? (JSON.parse(e.properties) as Record<string, unknown>) : {}
    actual = props[f.dimension.slice(5)]
  } else if (f.dimension === 'referrer') {
    actual = referrerHost(e.referrer as string | null, e.url as string | null)
  } else {
    actual = e[f.dimension]
  }
  const text =
    typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean'
      ? String(actual)
      : null
  if (f.op === 'contains')
    return text !== null && text.toLowerCase().includes((f.value ?? '').toLowerCase())
  const equal = text === f.value
  return f.op === 'is' ? equal : !equal
}
