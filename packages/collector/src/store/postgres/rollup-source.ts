import type { Pool } from 'pg'
import { pickTotals } from '../../stats/engine'
import { decodeSet } from '../../stats/sets'
import type { RollupSource, VisitLines } from '../../stats/source'
import { VISIT_DIMENSIONS } from '../../stats/visits'
import type { Filter, GoalSpec, StatsQuery, Totals } from '../types'
import { EventFlag } from '../types'
import { EVENT_COLUMNS, type EventRow, toEvent } from './rows'

const isVisitDim = (d: string) => (VISIT_DIMENSIONS as readonly string[]).includes(d)

/** A `LIKE` pattern for "contains", with `%`, `_` and `\` taken literally. */
const likeContains = (v: string) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** Collects numbered parameters (`$1`, `$2`...) for one statement. */
class Params {
  readonly values: unknown[] = []
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/**
 * The SQL condition over `agg_sessions` for a filter list (AND), as the
 * SQLite adapter's: visit dimensions compare the column; `page`, `event`
 * and `prop:<key>` look for an exact line in the visit's lists.
 */
function sessionWhere(filters: Filter[], p: Params): string {
  const parts: string[] = []
  for (const f of filters) {
    if (isVisitDim(f.dimension)) {
      const col = f.dimension
      if (f.op === 'contains') parts.push(`${col} ILIKE ${p.add(likeContains(f.value ?? ''))}`)
      else if (f.value === null) parts.push(`${col} IS ${f.op === 'is' ? '' : 'NOT '}NULL`)
      else if (f.op === 'is') parts.push(`${col} = ${p.add(f.value)}`)
      else parts.push(`${col} IS DISTINCT FROM ${p.add(f.value)}`)
      continue
    }
    const value = f.value ?? ''
    const key = f.dimension.startsWith('prop:') ? `${f.dimension.slice(5)}=` : ''
    const column = f.dimension === 'page' ? 'pages' : f.dimension === 'event' ? 'names' : 'props'
    if (f.op === 'contains') {
      parts.push(`pipit_line_contains(${column}, ${p.add(key)}, ${p.add(value)})`)
    } else {
      const needle = key ? `\n${key}${value}\n` : `\n${value}\t`
      parts.push(`strpos(${column}, ${p.add(needle)}) ${f.op === 'is' ? '>' : '='} 0`)
    }
  }
  return parts.length ? ` AND ${parts.join(' AND ')}` : ''
}

/** The site and day range of a query (numbered first: PostgreSQL takes `$n` in any order). */
const rangeOf = (q: StatsQuery, p: Params) =>
  `site_id = ${p.add(q.siteId)} AND day BETWEEN ${p.add(q.from)} AND ${p.add(q.to)}`

/** The SQL condition "the visit reached the goal". */
const goalCondition = (goal: GoalSpec, p: Params) =>
  `strpos(${goal.kind === 'page' ? 'pages' : 'names'}, ${p.add(`\n${goal.value}\t`)}) > 0`

/** The first string after every string that starts with `prefix` (for a key range). */
const successor = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)

const SUMS = `visitors, visits, pageviews, events, bounces, duration::float8 AS duration`
const VISIT_SUMS = `COUNT(DISTINCT vid)::int AS visitors, COUNT(*)::int AS visits,
  COALESCE(SUM(pageviews), 0)::float8 AS pageviews, COALESCE(SUM(events), 0)::float8 AS events,
  COALESCE(SUM(bounce), 0)::float8 AS bounces, COALESCE(SUM(duration), 0)::float8 AS duration`

type Row = Record<string, unknown>

/**
 * The PostgreSQL adapter's reads for the shared stats engine, over the
 * tables of `stats-schema.ts`.
 */
export function postgresRollupSource(pool: Pool): RollupSource {
  const rows = async <T = Row>(sql: string, values: unknown[]) =>
    (await pool.query(sql, values)).rows as T[]
  const days = (list: (Totals & { day: string; vset: Buffer })[]) =>
    list.map((r) => ({ ...pickTotals(r), day: r.day, vset: decodeSet(r.vset) }))
  const dayRange = 'site_id = $1 AND day BETWEEN $2 AND $3'

  return {
    async maxVid(siteId) {
      const [row] = await rows<{ n: number }>(
        'SELECT next_vid AS n FROM agg_counters WHERE site_id = $1',
        [siteId],
      )
      return row?.n ?? 0
    },
    async dayRows(siteId, dim, from, to, value) {
      if (!value) {
        return days(
          await rows(
            `SELECT day, ${SUMS}, vset FROM agg_days WHERE site_id = $1 AND dim = $4
               AND day BETWEEN $2 AND $3 ORDER BY day`,
            [siteId, from, to, dim],
          ),
        )
      }
      return days(
        await rows(
          `SELECT day, ${SUMS}, vset FROM agg_days WHERE site_id = $1 AND dim = $4
             AND value IS NOT DISTINCT FROM $5 AND day BETWEEN $2 AND $3 ORDER BY day`,
          [siteId, from, to, dim, value.value],
        ),
      )
    },
    dimensionSums: (siteId, dim, from, to) =>
      rows(
        `SELECT value, SUM(visitors)::float8 AS visitors, MAX(visitors) AS most,
                SUM(visits)::float8 AS visits, SUM(pageviews)::float8 AS pageviews,
                SUM(events)::float8 AS events, SUM(bounces)::float8 AS bounces,
                SUM(duration)::float8 AS duration
           FROM agg_days WHERE ${dayRange} AND dim = $4 GROUP BY value`,
        [siteId, from, to, dim],
      ),
    async valueSets(siteId, dim, value, from, to) {
      const list = await rows<{ vset: Buffer }>(
        `SELECT vset FROM agg_days WHERE ${dayRange} AND dim = $4 AND value IS NOT DISTINCT FROM $5`,
        [siteId, from, to, dim, value],
      )
      return list.map((r) => decodeSet(r.vset))
    },
    hourRows: (siteId, from, to) =>
      rows(`SELECT hour::float8 AS hour, ${SUMS} FROM agg_hours WHERE ${dayRange}`, [
        siteId,
        from,
        to,
      ]),
    async facts(siteId, prefix, from, to, exact) {
      const list = await rows<{ key: string; day: string; pairs: Buffer }>(
        exact
          ? `SELECT key, day, pairs FROM agg_facts WHERE ${dayRange} AND key = $4`
          : `SELECT key, day, pairs FROM agg_facts WHERE ${dayRange} AND key >= $4 AND key < $5`,
        exact ? [siteId, from, to, prefix] : [siteId, from, to, prefix, successor(prefix)],
      )
      return list.map((r) => ({ key: r.key, day: r.day, pairs: decodeSet(r.pairs) }))
    },
    async firstSeen(siteId, start, end) {
      const result = await pool.query({
        text: `SELECT vid, first_seen::float8 FROM agg_visitors
                WHERE site_id = $1 AND first_seen >= $2 AND first_seen < $3`,
        values: [siteId, start, end],
        rowMode: 'array',
      })
      return result.rows as [number, number][]
    },
    async vidsOf(siteId, visitorIds) {
      const list = await rows<{ visitor_id: string; vid: number }>(
        'SELECT visitor_id, vid FROM agg_visitors WHERE site_id = $1 AND visitor_id = ANY($2)',
        [siteId, visitorIds],
      )
      return new Map(list.map((r) => [r.visitor_id, r.vid]))
    },
    async trackEvents(siteId, name, start, end) {
      const list = await rows<{
        visitor_id: string
        ts: number
        properties: Record<string, unknown> | null
      }>(
        `SELECT visitor_id, timestamp::float8 AS ts, properties FROM events
          WHERE site_id = $1 AND type = 'track' AND name = $2 AND timestamp >= $3
            AND timestamp < $4 AND (flags & ${EventFlag.bot}) = 0`,
        [siteId, name, start, end],
      )
      return list.map((e) => ({
        visitorId: e.visitor_id,
        timestamp: e.ts,
        properties: e.properties,
      }))
    },
    async recentEvents(siteId, start, end) {
      const list = await rows<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = $1 AND timestamp >= $2 AND timestamp < $3
            AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')`,
        [siteId, start, end],
      )
      return list.map(toEvent)
    },

    async visitTotals(q, goal) {
      const p = new Params()
      const range = rangeOf(q, p)
      const conv = goal
        ? `, COUNT(DISTINCT vid) FILTER (WHERE ${goalCondition(goal, p)})::int AS conversions`
        : ''
      const where = sessionWhere(q.filters, p)
      const [row] = await rows<Totals & { conversions?: number }>(
        `SELECT ${VISIT_SUMS} ${conv} FROM agg_sessions WHERE ${range}${where}`,
        p.values,
      )
      return { ...pickTotals(row!), conversions: row!.conversions ?? null }
    },
    async visitSeries(q, interval) {
      const p = new Params()
      const range = rangeOf(q, p)
      const where = sessionWhere(q.filters, p)
      const key = {
        hour: 'hour::float8',
        day: 'day',
        week: `to_char(date_trunc('week', day::date), 'YYYY-MM-DD')`,
        month: `substr(day, 1, 7) || '-01'`,
      }[interval]
      const list = await rows<Totals & { bucket: string | number }>(
        `SELECT ${key} AS bucket, ${VISIT_SUMS}
           FROM agg_sessions WHERE ${range}${where} GROUP BY 1`,
        p.values,
      )
      const out = new Map<string, Totals>()
      for (const r of list) {
        const k = typeof r.bucket === 'number' ? new Date(r.bucket).toISOString() : r.bucket
        out.set(k, pickTotals(r))
      }
      return out
    },
    async visitGroups(q, dimension, goal) {
      if (!isVisitDim(dimension)) throw new Error(`not a visit dimension: ${dimension}`)
      const p = new Params()
      const range = rangeOf(q, p)
      const conv = goal
        ? `, COUNT(DISTINCT vid) FILTER (WHERE ${goalCondition(goal, p)})::int AS conversions`
        : ''
      const where = sessionWhere(q.filters, p)
      const list = await rows<Totals & { value: string | null; conversions?: number }>(
        `SELECT ${dimension} AS value, ${VISIT_SUMS} ${conv}
           FROM agg_sessions WHERE ${range}${where} GROUP BY ${dimension}`,
        p.values,
      )
      return list.map((r) => ({
        value: r.value,
        ...pickTotals(r),
        conversions: r.conversions ?? null,
      }))
    },
    async visitLines(q, column, goal) {
      const p = new Params()
      const range = rangeOf(q, p)
      const converted = goal ? `(${goalCondition(goal, p)})::int` : '0'
      const where = sessionWhere(q.filters, p)
      return rows<VisitLines>(
        `SELECT vid, pageviews, events, bounce, duration::float8 AS duration, ${column} AS list,
                ${converted} AS converted
           FROM agg_sessions WHERE ${range}${where}`,
        p.values,
      )
    },
    async filteredVids(q) {
      if (q.filters.length === 0) return null
      const p = new Params()
      const range = rangeOf(q, p)
      const where = sessionWhere(q.filters, p)
      const list = await rows<{ vid: number }>(
        `SELECT DISTINCT vid FROM agg_sessions WHERE ${range}${where}`,
        p.values,
      )
      return new Set(list.map((r) => r.vid))
    },
  }
}
