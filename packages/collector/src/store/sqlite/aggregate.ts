import type Database from 'better-sqlite3'
import type { AggregateProgress, AggregateResult } from '../types'
import { EventFlag } from '../types'
import { addDays, localMidnight, zoneClock, type ZoneClock } from '../../stats/tz'
import type { DayRows } from '../../stats/rollup-rows'
import { dayRows } from '../../stats/rollup-rows'
import type { DayVisits, FirstEventRow, VisitRow, VisitorRow } from '../../stats/visits'
import { VISIT_DIMENSIONS, visitsOfDay, visitsOfVisitors } from '../../stats/visits'

const QUARTER_HOUR = 900_000

/** Events read per pass before their days are marked for recomputing. */
const PASS_ROWS = 1_000_000

/**
 * The aggregation: turns raw events into visits and rollups, one local day
 * of one site at a time. A day's derived rows are a pure function of that
 * day's raw events (visits never cross local midnight), so recomputing a day
 * is idempotent and a late or deleted event reopens exactly its day.
 *
 * Derived tables (migration 4):
 * - `agg_visitors`: each visitor id gets a small number (`vid`) per site and
 *   its first-seen time (retention cohorts).
 * - `agg_sessions`: one row per visit, for filtered queries.
 * - `agg_hours`: totals per local hour (visits counted in their start hour).
 * - `agg_days`: totals and one row per value of every dimension per local
 *   day, each with the exact set of visitor numbers (`vset`), so uniques over
 *   any range are unions, never sums.
 * - `agg_facts`: per day and page/event key, `(vid, ms since midnight)` pairs
 *   of every page view and event, for funnels, goals and experiments.
 *
 * Progress is tracked with the rowid of the last raw event read (`agg_state`
 * `watermark`); days to redo sit in `agg_dirty` until recomputed. A crash at
 * any point leaves either the old or the new rows of a day, never a mix.
 */
export interface Aggregator {
  markAllDays(siteId: string): void
  /** Marks the days of raw events past the watermark dirty; returns how many events it read. */
  scan(): number
  /** Scans everything and marks every day with raw events dirty (one site or all). */
  markAll(siteId?: string): number
  /** The days waiting to be recomputed. */
  dirty(): { site_id: string; day: string }[]
  /** Recomputes one dirty day; returns its visits, or -1 when it changed meanwhile (it stays dirty). */
  recompute(siteId: string, day: string): number
  pass(options?: { onProgress?: (p: AggregateProgress) => void }): AggregateResult
  behind(): boolean
  rebuild(options?: {
    siteId?: string
    onProgress?: (p: AggregateProgress) => void
  }): AggregateResult
  markDirty(siteId: string, timestamps: Iterable<number>): void
  purgedBefore(siteId: string, before: number): void
  forgetSite(siteId: string): void
}

export interface AggregatorOptions {
  /**
   * Runs a write transaction while holding a lock the other aggregation
   * threads share. SQLite's busy handler polls with sleeps of up to 100 ms,
   * so two threads queueing for the write lock lose time; with this they
   * wake the moment the other is done. Without it, SQLite's own locking
   * alone (always correct, just slower when threads contend).
   */
  exclusive?: <T>(write: () => T) => T
}

export function createAggregator(
  db: Database.Database,
  options: AggregatorOptions = {},
): Aggregator {
  const exclusive = options.exclusive ?? (<T>(write: () => T) => write())
  const getState = db.prepare<[string], { value: number }>(
    'SELECT value FROM agg_state WHERE key = ?',
  )
  const setState = db.prepare(
    'INSERT INTO agg_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  )
  // New events grouped by site and UTC quarter hour: every time zone's
  // offset is a whole number of quarter hours, so one quarter hour lies in
  // one local day (both ends are checked anyway), and SQLite does the
  // grouping instead of JavaScript touching every row.
  const newRows = db.prepare<
    [number, number],
    { site_id: string; q: number; n: number; last: number }
  >(
    `SELECT site_id, timestamp / ${QUARTER_HOUR} AS q, COUNT(*) AS n, MAX(rowid) AS last
       FROM (SELECT rowid, site_id, timestamp FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?)
      GROUP BY site_id, q`,
  )
  const maxRowid = db.prepare<[], { m: number | null }>('SELECT MAX(rowid) AS m FROM events')
  const countAfter = db.prepare<[number], { n: number }>(
    // The narrow time index holds every rowid: far fewer pages than the table.
    'SELECT COUNT(*) AS n FROM events INDEXED BY events_site_time WHERE rowid > ?',
  )
  // Every mark bumps the day's generation: a recompute that read the day
  // before the mark must not clear it (see recomputeDay).
  const markDirty = db.prepare(
    `INSERT INTO agg_dirty (site_id, day) VALUES (?, ?)
     ON CONFLICT (site_id, day) DO UPDATE SET gen = gen + 1`,
  )
  const getGen = db.prepare<[string, string], { gen: number }>(
    'SELECT gen FROM agg_dirty WHERE site_id = ? AND day = ?',
  )
  const dirtyDays = db.prepare<[], { site_id: string; day: string }>(
    'SELECT site_id, day FROM agg_dirty ORDER BY site_id, day',
  )
  const clearDirty = db.prepare('DELETE FROM agg_dirty WHERE site_id = ? AND day = ? AND gen = ?')
  const siteRow = db.prepare<[string], { timezone: string }>(
    'SELECT timezone FROM sites WHERE id = ?',
  )
  // A day's events, one row per visitor (see VisitorRow): SQLite orders and
  // joins each visitor's events (in time order, ties by message id, so the
  // outcome never depends on arrival order) and looks up the visitor's
  // number, so JavaScript makes one row per visitor instead of one per
  // event, and no message id ever reaches it. On a 120 k-event day of the
  // 10 M benchmark the query takes ~80% of the event-by-event read's time
  // (reading plus forming visits ~88%); most of the rebuild's gain is the
  // numbers of known visitors coming with it.
  const dayVisitors = db
    .prepare<[{ site: string; start: number; end: number }]>(
      `SELECT g.visitor_id, g.n, g.items, a.vid, a.first_seen
         FROM (SELECT visitor_id, COUNT(*) AS n,
                      group_concat((timestamp - CAST(@start AS INTEGER)) || ',' || rowid ||
                        CASE WHEN type = 'track'
                             THEN '!' || coalesce(properties, '') || char(30) || coalesce(name, '')
                             ELSE ':' || coalesce(path, name, '') END,
                        char(31) ORDER BY timestamp, message_id) AS items
                 FROM events
                WHERE site_id = @site AND timestamp >= @start AND timestamp < @end
                  AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')
                GROUP BY visitor_id) AS g
         LEFT JOIN agg_visitors AS a ON a.site_id = @site AND a.visitor_id = g.visitor_id`,
    )
    .raw()
  // The same events one row each, in time order (ties by message id): the
  // fallback for a day whose page or event names contain U+001F.
  const dayEvents = db
    .prepare<[string, number, number]>(
      `SELECT rowid, visitor_id, timestamp, type = 'track',
              CASE WHEN type = 'track' THEN name ELSE coalesce(path, name) END,
              CASE WHEN type = 'track' THEN properties END
         FROM events
        WHERE site_id = ? AND timestamp >= ? AND timestamp < ?
          AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')
        ORDER BY timestamp, message_id`,
    )
    .raw()
  // One query per few thousand visits (a rowid list as JSON) reads their
  // first events ~3x faster than one lookup per visit.
  const firstEvents = db
    .prepare<[string]>(
      `SELECT rowid, referrer, CASE WHEN referrer IS NOT NULL THEN url END, source, channel,
              utm_source, utm_medium, utm_campaign,
              utm_term, utm_content, browser, os, device_type, country
         FROM events WHERE rowid IN (SELECT value FROM json_each(?))`,
    )
    .raw()
  const getVisitor = db.prepare<[string, string], { vid: number; first_seen: number }>(
    'SELECT vid, first_seen FROM agg_visitors WHERE site_id = ? AND visitor_id = ?',
  )
  const insertVisitor = db.prepare(
    'INSERT INTO agg_visitors (site_id, visitor_id, vid, first_seen) VALUES (?, ?, ?, ?)',
  )
  const lowerFirstSeen = db.prepare(
    'UPDATE agg_visitors SET first_seen = ? WHERE site_id = ? AND visitor_id = ?',
  )
  const deletes = ['agg_sessions', 'agg_hours', 'agg_days', 'agg_facts'].map((t) =>
    db.prepare(`DELETE FROM ${t} WHERE site_id = ? AND day = ?`),
  )
  const insertSession = db.prepare(
    `INSERT INTO agg_sessions (site_id, day, hour, vid, start, duration, pageviews, events, bounce,
       ${VISIT_DIMENSIONS.join(', ')}, pages, names, props)
     VALUES (${Array.from({ length: 9 + VISIT_DIMENSIONS.length + 3 }, () => '?').join(', ')})`,
  )
  const insertHour = db.prepare(
    `INSERT INTO agg_hours (site_id, hour, day, visitors, visits, pageviews, events, bounces, duration)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertDay = db.prepare(
    `INSERT INTO agg_days (site_id, dim, day, value, visitors, visits, pageviews, events, bounces, duration, vset)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertFact = db.prepare(
    'INSERT INTO agg_facts (site_id, key, day, pairs) VALUES (?, ?, ?, ?)',
  )
  const siteBounds = db.prepare<[string, string], { lo: number | null; hi: number | null }>(
    // Two subqueries: each is one index probe, where MIN and MAX together scan the site's rows.
    `SELECT (SELECT MIN(timestamp) FROM events WHERE site_id = ?) AS lo,
            (SELECT MAX(timestamp) FROM events WHERE site_id = ?) AS hi`,
  )
  const siteIds = db.prepare<[], { id: string }>('SELECT id FROM sites ORDER BY id')

  const clocks = new Map<string, { clock: ZoneClock } | null>()
  /** The site's clock; `fresh` re-reads its time zone (another connection may have changed it). */
  const siteInfo = (siteId: string, fresh = false) => {
    let info = clocks.get(siteId)
    if (info === undefined || fresh) {
      const row = siteRow.get(siteId)
      info =
        row && info?.clock.timezone === row.timezone
          ? info
          : row
            ? { clock: zoneClock(row.timezone) }
            : null
      clocks.set(siteId, info)
    }
    return info
  }

  const state = (key: string) => getState.get(key)?.value ?? 0

  /** The site's number for a visitor id, made on first sight; keeps the earliest first-seen time. */
  function vidOf(siteId: string, visitorId: string, seen: number): number {
    const row = getVisitor.get(siteId, visitorId)
    if (row) {
      if (seen < row.first_seen) lowerFirstSeen.run(seen, siteId, visitorId)
      return row.vid
    }
    const vid = state(`vid:${siteId}`) + 1
    setState.run(`vid:${siteId}`, vid)
    insertVisitor.run(siteId, visitorId, vid, seen)
    return vid
  }

  /**
   * Numbers the day's visitors (one short transaction): the number of each
   * visit's visitor, or null when the day changed since it was read.
   */
  const assignVids = db.transaction(
    (siteId: string, day: string, gen: number, visits: DayVisits): Uint32Array | null => {
      if (getGen.get(siteId, day)?.gen !== gen) return null
      const vids = new Uint32Array(visits.count)
      const known = new Map<string, number>()
      for (let i = 0; i < visits.count; i++) {
        const visitorId = visits.visitorIds[i]!
        let vid = known.get(visitorId)
        if (vid === undefined) {
          // The visitor's first visit of the day. A visitor read with its number and
          // seen no later than now needs no lookup: numbers are never reused, and
          // first-seen times only move earlier.
          const start = visits.start[i]!
          const read = visits.knownVid[i]!
          vid =
            read > 0 && visits.knownFirstSeen[i]! <= start ? read : vidOf(siteId, visitorId, start)
          known.set(visitorId, vid)
        }
        vids[i] = vid
      }
      return vids
    },
  )

  /** Replaces the day's derived rows, unless the day changed since it was read (-1). */
  const writeDay = db.transaction(
    (siteId: string, day: string, gen: number, rows: DayRows | null): number => {
      if (getGen.get(siteId, day)?.gen !== gen) return -1
      for (const del of deletes) del.run(siteId, day)
      if (rows) {
        rows.sessions((params) => insertSession.run(params))
        for (const r of rows.hours) insertHour.run(r)
        for (const r of rows.days) insertDay.run(r)
        for (const r of rows.facts) insertFact.run(r)
      }
      clearDirty.run(siteId, day, gen)
      return rows?.visits ?? 0
    },
  )

  /**
   * Recomputes every derived row of one local day of one site from its raw
   * events, in three steps so that several connections can work side by
   * side and the write lock is held only to write: read the day and build
   * its visits (no transaction), number its visitors (a short IMMEDIATE
   * transaction), build the rows, then replace the day's rows (one IMMEDIATE
   * transaction). Both transactions first check the day's generation: if a
   * scan or a deletion marked the day again since it was read, nothing is
   * written and the day stays dirty for the next pass.
   */
  function recomputeDay(siteId: string, day: string): number {
    const gen = getGen.get(siteId, day)?.gen
    if (gen === undefined) return 0
    const info = siteInfo(siteId, true)
    if (!info) return writeDay.immediate(siteId, day, gen, null)
    if (info.clock.dayStart(day) < state(`purged:${siteId}`)) {
      // A retention purge reached into the day: its raw events are (partly)
      // gone, so its rollups are final and never recomputed.
      clearDirty.run(siteId, day, gen)
      return 0
    }
    const start = info.clock.dayStart(day)
    const end = localMidnight(day, info.clock.timezone, 1)
    const visits =
      visitsOfVisitors(dayVisitors.all({ site: siteId, start, end }) as VisitorRow[], start) ??
      visitsOfDay(dayEvents.all(siteId, start, end) as VisitRow[])
    for (let i = 0; i < visits.count; i += 5000) {
      const batch = visits.first.subarray(i, Math.min(visits.count, i + 5000))
      const rows = new Map<number, FirstEventRow>()
      for (const r of firstEvents.all(JSON.stringify(Array.from(batch)))) {
        rows.set((r as FirstEventRow)[0], r as FirstEventRow)
      }
      for (let k = 0; k < batch.length; k++) {
        const first = rows.get(batch[k]!)
        // Gone only when deleted since the read, which also marked the day again.
        if (first) visits.applyFirstEvent(i + k, first)
      }
    }
    const vids = exclusive(() => assignVids.immediate(siteId, day, gen, visits))
    if (!vids) return -1
    const rows = dayRows(siteId, day, start, info.clock, visits, vids)
    return exclusive(() => writeDay.immediate(siteId, day, gen, rows))
  }

  /** Marks the days of new raw events dirty and moves the watermark past them (one transaction). */
  const scanNew = db.transaction((limit: number) => {
    let watermark = state('watermark')
    // Deleting the newest rows lets SQLite hand their rowids out again.
    const max = maxRowid.get()!.m ?? 0
    if (max < watermark) watermark = max
    const days = new Map<string, Set<string>>()
    let events = 0
    for (const r of newRows.all(watermark, limit)) {
      events += r.n
      if (r.last > watermark) watermark = r.last
      const info = siteInfo(r.site_id)
      if (!info) continue
      let set = days.get(r.site_id)
      if (!set) days.set(r.site_id, (set = new Set()))
      set.add(info.clock.day(r.q * QUARTER_HOUR))
      set.add(info.clock.day(r.q * QUARTER_HOUR + QUARTER_HOUR - 1))
    }
    for (const [siteId, set] of days) for (const day of set) markDirty.run(siteId, day)
    setState.run('watermark', watermark)
    return events
  })

  function scan(): number {
    clocks.clear()
    let events = 0
    for (let n = scanNew.immediate(PASS_ROWS); n > 0; n = scanNew.immediate(PASS_ROWS)) events += n
    return events
  }

  /** Recomputes every dirty day; returns how many. */
  function drain(onProgress?: (p: AggregateProgress) => void): { days: number; visits: number } {
    const days = dirtyDays.all()
    let visits = 0
    days.forEach((d, i) => {
      visits += Math.max(0, recomputeDay(d.site_id, d.day))
      onProgress?.({ done: i + 1, total: days.length, siteId: d.site_id, day: d.day })
    })
    return { days: days.length, visits }
  }

  /** Marks every local day that has raw events of a site dirty. */
  const markAllDays = db.transaction((siteId: string) => {
    const info = siteInfo(siteId)
    const bounds = siteBounds.get(siteId, siteId)
    if (!info || bounds?.lo == null || bounds.hi == null) return
    const last = info.clock.day(bounds.hi)
    for (let day = info.clock.day(bounds.lo); day <= last; day = addDays(day, 1)) {
      markDirty.run(siteId, day)
    }
  })

  /**
   * A rebuild of every site: every day with raw events is marked anyway, so
   * the new events need not be read one by one to find their days; the
   * watermark jumps to the newest event in the same transaction (at 10 M
   * events that saves the ~10 s a row-by-row scan takes).
   */
  const markEverything = db.transaction((): number => {
    const watermark = state('watermark')
    const max = maxRowid.get()!.m ?? 0
    const events = max > watermark ? countAfter.get(watermark)!.n : 0
    for (const { id } of siteIds.all()) markAllDays(id)
    setState.run('watermark', max)
    return events
  })

  function markAll(siteId?: string): number {
    if (!siteId) {
      clocks.clear()
      return markEverything.immediate()
    }
    const events = scan()
    markAllDays.immediate(siteId)
    return events
  }

  return {
    markAllDays: (siteId) => markAllDays.immediate(siteId),
    scan,
    markAll,
    dirty: () => dirtyDays.all(),
    recompute: recomputeDay,

    /**
     * One incremental pass: reads raw events past the watermark, then
     * recomputes the days they (and any deletion) touched. Running it again
     * with nothing new changes nothing.
     */
    pass(options: { onProgress?: (p: AggregateProgress) => void } = {}): AggregateResult {
      const started = performance.now()
      const events = scan()
      const { days, visits } = drain(options.onProgress)
      return { events, days, visits, ms: performance.now() - started }
    },

    /** True when raw events or deletions wait to be aggregated. */
    behind(): boolean {
      const max = maxRowid.get()!.m ?? 0
      return max !== state('watermark') || dirtyDays.all().length > 0
    },

    /**
     * Recomputes every day that still has raw events, for one site or all.
     * Rollups of days whose raw events are past retention are kept as they are.
     */
    rebuild(options: { siteId?: string; onProgress?: (p: AggregateProgress) => void } = {}) {
      const started = performance.now()
      const events = markAll(options.siteId)
      const { days, visits } = drain(options.onProgress)
      return { events, days, visits, ms: performance.now() - started }
    },

    /** Marks the days of these instants dirty, e.g. before a subject's events are deleted. */
    markDirty(siteId: string, timestamps: Iterable<number>) {
      const info = siteInfo(siteId)
      if (!info) return
      const seen = new Set<string>()
      for (const ts of timestamps) seen.add(info.clock.day(ts))
      for (const day of seen) markDirty.run(siteId, day)
    },

    /** Notes that a site's raw events before `before` are purged: those days' rollups are final. */
    purgedBefore(siteId: string, before: number) {
      if (before > state(`purged:${siteId}`)) setState.run(`purged:${siteId}`, before)
    },

    /** Forgets a site's cached time zone after a change. */
    forgetSite(siteId: string) {
      clocks.delete(siteId)
    },
  }
}
