import type Database from 'better-sqlite3'
import { pickTotals } from '../../stats/engine'
import { decodeSet } from '../../stats/sets'
import type { RollupSource } from '../../stats/source'
import { VISIT_DIMENSIONS } from '../../stats/visits'
import type { Filter, GoalSpec, Totals } from '../types'
import { EventFlag } from '../types'
import type { EventRow } from './rows'
import { toEvent } from './rows'

const isVisitDim = (d: string) => (VISIT_DIMENSIONS as readonly string[]).includes(d)

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

/** The first string after every string that starts with `prefix` (for a key range). */
const successor = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)

type SumRow = Totals & { conversions?: number }

/**
 * The SQLite adapter's reads for the shared stats engine: rollup rows from
 * `agg_days`, `agg_hours`, `agg_facts` and `agg_visitors`, filtered visits
 * from `agg_sessions`, and raw events for realtime and property funnels.
 */
export function sqliteRollupSource(db: Database.Database): RollupSource {
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
  const SUMS = 'visitors, visits, pageviews, events, bounces, duration'
  const dayRows = db.prepare<
    [string, string, string, string],
    Totals & { day: string; vset: Buffer }
  >(
    `SELECT day, ${SUMS}, vset FROM agg_days
      WHERE site_id = ? AND dim = ? AND day BETWEEN ? AND ? ORDER BY day`,
  )
  const valueDayRows = db.prepare<
    [string, string, string | null, string, string],
    Totals & { day: string; vset: Buffer }
  >(
    `SELECT day, ${SUMS}, vset FROM agg_days
      WHERE site_id = ? AND dim = ? AND value IS ? AND day BETWEEN ? AND ? ORDER BY day`,
  )
  const dimSums = db.prepare<
    [string, string, string, string],
    Totals & { value: string | null; most: number }
  >(
    `SELECT value, SUM(visitors) AS visitors, MAX(visitors) AS most, SUM(visits) AS visits,
            SUM(pageviews) AS pageviews, SUM(events) AS events, SUM(bounces) AS bounces,
            SUM(duration) AS duration
       FROM agg_days WHERE site_id = ? AND dim = ? AND day BETWEEN ? AND ? GROUP BY value`,
  )
  const valueSets = db
    .prepare<[string, string, string | null, string, string]>(
      `SELECT vset FROM agg_days
        WHERE site_id = ? AND dim = ? AND value IS ? AND day BETWEEN ? AND ?`,
    )
    .pluck()
  const hourRows = db.prepare<[string, string, string], Totals & { hour: number }>(
    `SELECT hour, ${SUMS} FROM agg_hours WHERE site_id = ? AND day BETWEEN ? AND ?`,
  )
  const factRows = db.prepare<
    [string, string, string, string],
    { key: string; day: string; pairs: Buffer }
  >('SELECT key, day, pairs FROM agg_facts WHERE site_id = ? AND key = ? AND day BETWEEN ? AND ?')
  const factPrefixRows = db.prepare<
    [string, string, string, string, string],
    { key: string; day: string; pairs: Buffer }
  >(
    `SELECT key, day, pairs FROM agg_facts
      WHERE site_id = ? AND key >= ? AND key < ? AND day BETWEEN ? AND ?`,
  )
  // Covered by the index agg_visitors_first (site_id, first_seen, vid); rows as arrays.
  const cohortRows = db
    .prepare<[string, number, number]>(
      'SELECT vid, first_seen FROM agg_visitors WHERE site_id = ? AND first_seen >= ? AND first_seen < ?',
    )
    .raw()
  const vidsOf = db.prepare<[string, string], { visitor_id: string; vid: number }>(
    `SELECT visitor_id, vid FROM agg_visitors
      WHERE site_id = ? AND visitor_id IN (SELECT value FROM json_each(?))`,
  )
  const trackRows = db.prepare<
    [string, string, number, number],
    { visitor_id: string; timestamp: number; properties: string | null }
  >(
    `SELECT visitor_id, timestamp, properties FROM events
      WHERE site_id = ? AND type = 'track' AND name = ? AND timestamp >= ? AND timestamp < ?
        AND (flags & ${EventFlag.bot}) = 0`,
  )
  const recentRows = db.prepare<[string, number, number], EventRow>(
    `SELECT * FROM events
      WHERE site_id = ? AND timestamp >= ? AND timestamp < ?
        AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')`,
  )

  const visitSums = `COUNT(DISTINCT vid) AS visitors, COUNT(*) AS visits,
    COALESCE(SUM(pageviews), 0) AS pageviews, COALESCE(SUM(events), 0) AS events,
    COALESCE(SUM(bounce), 0) AS bounces, COALESCE(SUM(duration), 0) AS duration`
  const converted = (goal?: GoalSpec) => {
    const cond = goal ? goalCondition(goal) : undefined
    return {
      select: cond ? `, COUNT(DISTINCT CASE WHEN ${cond.sql} THEN vid END) AS conversions` : '',
      params: cond ? [cond.param] : [],
    }
  }

  return {
    maxVid: (siteId) => Promise.resolve(maxVidRow.get(`vid:${siteId}`)?.value ?? 0),
    dayRows(siteId, dim, from, to, value) {
      const rows = value
        ? valueDayRows.all(siteId, dim, value.value, from, to)
        : dayRows.all(siteId, dim, from, to)
      return Promise.resolve(
        rows.map((r) => ({ ...pickTotals(r), day: r.day, vset: decodeSet(r.vset) })),
      )
    },
    dimensionSums: (siteId, dim, from, to) => Promise.resolve(dimSums.all(siteId, dim, from, to)),
    valueSets: (siteId, dim, value, from, to) =>
      Promise.resolve(
        (valueSets.all(siteId, dim, value, from, to) as Buffer[]).map((b) => decodeSet(b)),
      ),
    hourRows: (siteId, from, to) => Promise.resolve(hourRows.all(siteId, from, to)),
    facts(siteId, prefix, from, to, exact) {
      const rows = exact
        ? factRows.all(siteId, prefix, from, to)
        : factPrefixRows.all(siteId, prefix, successor(prefix), from, to)
      return Promise.resolve(
        rows.map((r) => ({ key: r.key, day: r.day, pairs: decodeSet(r.pairs) })),
      )
    },
    firstSeen: (siteId, start, end) =>
      Promise.resolve(cohortRows.all(siteId, start, end) as [number, number][]),
    vidsOf(siteId, visitorIds) {
      const out = new Map<string, number>()
      for (const r of vidsOf.all(siteId, JSON.stringify(visitorIds))) out.set(r.visitor_id, r.vid)
      return Promise.resolve(out)
    },
    trackEvents: (siteId, name, start, end) =>
      Promise.resolve(
        trackRows.all(siteId, name, start, end).map((e) => ({
          visitorId: e.visitor_id,
          timestamp: e.timestamp,
          properties: e.properties ? (JSON.parse(e.properties) as Record<string, unknown>) : null,
        })),
      ),
    recentEvents: (siteId, start, end) =>
      Promise.resolve(recentRows.all(siteId, start, end).map(toEvent)),

    visitTotals(q, goal) {
      const where = sessionWhere(q.filters)
      const conv = converted(goal)
      const row = db
        .prepare(
          `SELECT ${visitSums} ${conv.select}
             FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
        )
        .get(...conv.params, q.siteId, q.from, q.to, ...where.params) as SumRow
      return Promise.resolve({ ...pickTotals(row), conversions: row.conversions ?? null })
    },
    visitSeries(q, interval) {
      const where = sessionWhere(q.filters)
      const key = {
        hour: 'hour',
        day: 'day',
        week: `date(day, '-6 days', 'weekday 1')`,
        month: `substr(day, 1, 7) || '-01'`,
      }[interval]
      const rows = db
        .prepare(
          `SELECT ${key} AS bucket, ${visitSums}
             FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}
            GROUP BY bucket`,
        )
        .all(q.siteId, q.from, q.to, ...where.params) as (SumRow & { bucket: string | number })[]
      const out = new Map<string, Totals>()
      for (const r of rows) {
        const k = typeof r.bucket === 'number' ? new Date(r.bucket).toISOString() : r.bucket
        out.set(k, pickTotals(r))
      }
      return Promise.resolve(out)
    },
    visitGroups(q, dimension, goal) {
      if (!isVisitDim(dimension)) throw new Error(`not a visit dimension: ${dimension}`)
      const where = sessionWhere(q.filters)
      const conv = converted(goal)
      const rows = db
        .prepare(
          `SELECT ${dimension} AS value, ${visitSums} ${conv.select}
             FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}
            GROUP BY ${dimension}`,
        )
        .all(...conv.params, q.siteId, q.from, q.to, ...where.params) as (SumRow & {
        value: string | null
      })[]
      return Promise.resolve(
        rows.map((r) => ({ value: r.value, ...pickTotals(r), conversions: r.conversions ?? null })),
      )
    },
    visitLines(q, column, goal) {
      const where = sessionWhere(q.filters)
      const cond = goal ? goalCondition(goal) : undefined
      const rows = db
        .prepare(
          `SELECT vid, pageviews, events, bounce, duration, ${column} AS list,
                  ${cond ? cond.sql : '0'} AS converted
             FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
        )
        .all(...(cond ? [cond.param] : []), q.siteId, q.from, q.to, ...where.params)
      return Promise.resolve(rows as Awaited<ReturnType<RollupSource['visitLines']>>)
    },
    filteredVids(q) {
      if (q.filters.length === 0) return Promise.resolve(null)
      const where = sessionWhere(q.filters)
      const vids = db
        .prepare(
          `SELECT DISTINCT vid FROM agg_sessions WHERE site_id = ? AND day BETWEEN ? AND ?${where.sql}`,
        )
        .pluck()
        .all(q.siteId, q.from, q.to, ...where.params) as number[]
      return Promise.resolve(new Set(vids))
    },
  }
}
