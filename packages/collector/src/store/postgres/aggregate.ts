import type { Pool, PoolClient } from 'pg'
import type { DayRows } from '../../stats/rollup-rows'
import { dayRows } from '../../stats/rollup-rows'
import { addDays, localMidnight, zoneClock, type ZoneClock } from '../../stats/tz'
import type { FirstEventRow, VisitRow } from '../../stats/visits'
import { VISIT_DIMENSIONS, visitsOfDay } from '../../stats/visits'
import type { AggregateProgress, AggregateResult } from '../types'
import { EventFlag } from '../types'
import { retrying, transaction } from './lock'

const QUARTER_HOUR = 900_000

export interface PostgresAggregator {
  /** Marks the days of pending changes, then recomputes every dirty day. */
  pass(options?: { onProgress?: (p: AggregateProgress) => void }): Promise<AggregateResult>
  /** Marks every day with raw events (one site or all) and recomputes them. */
  rebuild(options?: {
    siteId?: string
    onProgress?: (p: AggregateProgress) => void
  }): Promise<AggregateResult>
  behind(): Promise<boolean>
  /** Marks every local day of a site's raw events dirty (after a time zone change). */
  markAllDays(siteId: string): Promise<void>
  /** Notes that a site's raw events before `before` are purged: those days' rollups are final. */
  purgedBefore(siteId: string, before: number): Promise<void>
}

/**
 * The aggregation on PostgreSQL, safe with any number of collectors on one
 * database. It computes exactly what SQLite's does (the same
 * `stats/visits.ts` and `stats/rollup-rows.ts`); only the coordination
 * differs, since sequence values are not commit order and no watermark
 * over ids can be trusted:
 * - Every insert, erasure and anonymisation records the (site, UTC quarter
 *   hour) pairs it touched in `agg_pending`, in its own transaction, with
 *   `ON CONFLICT DO NOTHING` (no lock on a mark already there, so
 *   concurrent inserts never queue on one).
 * - A pass deletes the pending rows it sees (`DELETE … RETURNING`) and
 *   marks their local days in `agg_dirty` in the same short transaction,
 *   bumping each day's generation. A change is either still pending or its
 *   day is dirty, never neither.
 * - An insert that found a mark present wrote none, and may not have
 *   committed when the pass deleted the mark. So a marked day is read only
 *   once every transaction that was running when its mark committed has
 *   ended (`settle`, `readyDays`). The pass never waits inside its own
 *   transaction: an insert that meets a mark the pass is deleting waits for
 *   the pass to commit, so waiting there could hold up ingest.
 * - A day is recomputed under a session advisory lock on (site, day), so
 *   two collectors never do the same day at once; its rows are replaced in
 *   one transaction that first locks the day's `agg_dirty` row and checks
 *   the generation read before: a day marked again meanwhile stays dirty.
 * - Visitor numbers come in blocks from `agg_counters` (a row lock);
 *   `ON CONFLICT DO NOTHING` on `agg_visitors` keeps one number per visitor
 *   when two collectors meet the same new visitor.
 */
export function createPostgresAggregator(
  pool: Pool,
  options: { concurrency?: number } = {},
): PostgresAggregator {
  const concurrency = options.concurrency ?? 2
  const clocks = new Map<string, ZoneClock | null>()

  async function clockOf(client: Pool | PoolClient, siteId: string, fresh = false) {
    let clock = clocks.get(siteId)
    if (clock === undefined || fresh) {
      const { rows } = await client.query<{ timezone: string }>(
        'SELECT timezone FROM sites WHERE id = $1',
        [siteId],
      )
      const tz = rows[0]?.timezone
      clock = tz === undefined ? null : clock?.timezone === tz ? clock : zoneClock(tz)
      clocks.set(siteId, clock)
    }
    return clock
  }

  const inTransaction = <T>(work: (c: PoolClient) => Promise<T>) => transaction(pool, work)

  // Every mark bumps the generation and makes the day unready until `settle`.
  const markDays = (c: PoolClient, sites: string[], days: string[]) =>
    sites.length === 0
      ? Promise.resolve()
      : c.query(
          `INSERT INTO agg_dirty (site_id, day) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (site_id, day) DO UPDATE SET gen = agg_dirty.gen + 1, ready = NULL`,
          [sites, days],
        )

  /**
   * Gives every committed mark its readiness point: the xmax of a snapshot
   * taken now, after the marking transaction committed. Any transaction
   * that wrote events of the day without a mark (it found one present)
   * did so before that commit, so it is below this xmax; once the oldest
   * running transaction is past it, the day's events are all visible. Also
   * heals marks a crash left without a point.
   */
  const settle = () =>
    pool.query(
      `UPDATE agg_dirty SET ready = pg_snapshot_xmax(pg_current_snapshot())::text::bigint
        WHERE ready IS NULL`,
    )

  /** Turns pending (site, quarter hour) pairs into dirty local days, in one transaction. */
  async function scan(): Promise<void> {
    clocks.clear()
    await inTransaction(async (c) => {
      const taken = await c.query<{ site_id: string; q: number }>(
        'DELETE FROM agg_pending RETURNING site_id, quarter::float8 AS q',
      )
      const marks = new Set<string>()
      for (const r of taken.rows) {
        const clock = await clockOf(c, r.site_id)
        if (!clock) continue
        // Every zone's offset is a whole number of quarter hours; both ends are checked anyway.
        marks.add(`${r.site_id}\n${clock.day(r.q * QUARTER_HOUR)}`)
        marks.add(`${r.site_id}\n${clock.day(r.q * QUARTER_HOUR + QUARTER_HOUR - 1)}`)
      }
      const pairs = [...marks].map((m) => m.split('\n') as [string, string])
      await markDays(
        c,
        pairs.map((p) => p[0]),
        pairs.map((p) => p[1]),
      )
    })
    await settle()
  }

  async function markAllDaysWith(c: PoolClient, siteId: string) {
    const clock = await clockOf(c, siteId, true)
    const { rows } = await c.query<{ lo: number | null; hi: number | null }>(
      `SELECT (SELECT MIN(timestamp) FROM events WHERE site_id = $1)::float8 AS lo,
              (SELECT MAX(timestamp) FROM events WHERE site_id = $1)::float8 AS hi`,
      [siteId],
    )
    const { lo, hi } = rows[0]!
    if (!clock || lo === null || hi === null) return
    const days: string[] = []
    for (let day = clock.day(lo), last = clock.day(hi); day <= last; day = addDays(day, 1)) {
      days.push(day)
    }
    await markDays(
      c,
      days.map(() => siteId),
      days,
    )
  }

  // A day's events in time order (ties by message id, byte-wise as SQLite),
  // each with the traffic attributes a visit takes from its first event.
  const DAY_EVENTS = `
    SELECT visitor_id, timestamp::float8, (type = 'track')::int,
           CASE WHEN type = 'track' THEN name ELSE coalesce(path, name) END,
           CASE WHEN type = 'track' THEN properties::text END,
           referrer, CASE WHEN referrer IS NOT NULL THEN url END, source, channel,
           utm_source, utm_medium, utm_campaign, utm_term, utm_content,
           browser, os, device_type, country
      FROM events
     WHERE site_id = $1 AND timestamp >= $2 AND timestamp < $3
       AND (flags & ${EventFlag.bot}) = 0 AND type IN ('page', 'screen', 'track')
     ORDER BY timestamp, message_id COLLATE "C"`

  /** Recomputes one day: its visits, or -1 when it changed meanwhile, or 0 when another collector has it. */
  async function recompute(
    siteId: string,
    day: string,
  ): Promise<{ visits: number; events: number }> {
    const client = await pool.connect()
    const lockKey = `pipit:agg:${siteId}/${day}`
    let locked = false
    try {
      const got = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [lockKey],
      )
      locked = got.rows[0]!.ok
      if (!locked) return { visits: 0, events: 0 }
      const genRow = await client.query<{ gen: number; ok: boolean }>(
        `SELECT gen, ready IS NOT NULL
                AND ready <= pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS ok
           FROM agg_dirty WHERE site_id = $1 AND day = $2`,
        [siteId, day],
      )
      const gen = genRow.rows[0]?.gen
      // Gone (done by another collector), or marked again and not readable yet: a later pass.
      if (gen === undefined || !genRow.rows[0]!.ok) return { visits: 0, events: 0 }
      const clock = await clockOf(client, siteId, true)
      if (!clock) return { visits: await write(client, siteId, day, gen, null), events: 0 }
      const start = clock.dayStart(day)
      const purged = await client.query<{ value: number }>(
        'SELECT value FROM agg_state WHERE key = $1',
        [`purged:${siteId}`],
      )
      if (start < (purged.rows[0]?.value ?? 0)) {
        // A retention purge reached into the day: its rollups are final.
        await client.query('DELETE FROM agg_dirty WHERE site_id = $1 AND day = $2 AND gen = $3', [
          siteId,
          day,
          gen,
        ])
        return { visits: 0, events: 0 }
      }
      const end = localMidnight(day, clock.timezone, 1)
      const read = await client.query({
        text: DAY_EVENTS,
        values: [siteId, start, end],
        rowMode: 'array',
      })
      const raw = read.rows as unknown[][]
      const visits = visitsOfDay(
        raw.map((r, i) => [i, r[0], r[1], r[2], r[3], r[4]] as unknown as VisitRow),
      )
      for (let i = 0; i < visits.count; i++) {
        const r = raw[visits.first[i]!]!
        visits.applyFirstEvent(i, [visits.first[i]!, ...r.slice(5)] as FirstEventRow)
      }
      const vids = await assignVids(client, siteId, visits.count, visits.visitorIds, visits.start)
      const rows = dayRows(siteId, day, start, clock, visits, vids)
      return { visits: await write(client, siteId, day, gen, rows), events: raw.length }
    } finally {
      if (locked) {
        await client
          .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey])
          .catch(() => undefined)
      }
      client.release()
    }
  }

  /** The number of each visit's visitor; new visitors get numbers, first-seen times only move earlier. */
  async function assignVids(
    c: PoolClient,
    siteId: string,
    count: number,
    visitorIds: string[],
    starts: Float64Array,
  ): Promise<Uint32Array> {
    const seen = new Map<string, number>()
    for (let i = 0; i < count; i++) {
      const id = visitorIds[i]!
      const s = starts[i]!
      if (!(s >= (seen.get(id) ?? Infinity))) seen.set(id, s)
    }
    // Sorted, so collectors numbering overlapping visitors lock rows in one order (no deadlock).
    const ids = [...seen.keys()].sort()
    const vidOf = new Map<string, number>()
    await c.query('BEGIN')
    try {
      const known = await c.query<{ visitor_id: string; vid: number; first_seen: number }>(
        `SELECT visitor_id, vid, first_seen::float8 AS first_seen FROM agg_visitors
          WHERE site_id = $1 AND visitor_id = ANY($2)`,
        [siteId, ids],
      )
      const earlier: string[] = []
      for (const r of known.rows) {
        vidOf.set(r.visitor_id, r.vid)
        if (seen.get(r.visitor_id)! < r.first_seen) earlier.push(r.visitor_id)
      }
      const fresh = ids.filter((id) => !vidOf.has(id))
      if (fresh.length > 0) {
        const block = await c.query<{ next: number }>(
          `INSERT INTO agg_counters (site_id, next_vid) VALUES ($1, $2)
           ON CONFLICT (site_id) DO UPDATE SET next_vid = agg_counters.next_vid + EXCLUDED.next_vid
           RETURNING next_vid AS next`,
          [siteId, fresh.length],
        )
        const base = block.rows[0]!.next - fresh.length
        await c.query(
          `INSERT INTO agg_visitors (site_id, visitor_id, vid, first_seen)
           SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[])
           ON CONFLICT (site_id, visitor_id) DO NOTHING`,
          [siteId, fresh, fresh.map((_, k) => base + k + 1), fresh.map((id) => seen.get(id))],
        )
        // Another collector may have numbered some of them first: theirs stand.
        const now = await c.query<{ visitor_id: string; vid: number }>(
          'SELECT visitor_id, vid FROM agg_visitors WHERE site_id = $1 AND visitor_id = ANY($2)',
          [siteId, fresh],
        )
        for (const r of now.rows) vidOf.set(r.visitor_id, r.vid)
        earlier.push(...fresh)
      }
      earlier.sort()
      if (earlier.length > 0) {
        await c.query(
          `UPDATE agg_visitors a SET first_seen = u.seen
             FROM unnest($2::text[], $3::bigint[]) AS u(id, seen)
            WHERE a.site_id = $1 AND a.visitor_id = u.id AND u.seen < a.first_seen`,
          [siteId, earlier, earlier.map((id) => seen.get(id))],
        )
      }
      await c.query('COMMIT')
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined)
      throw error
    }
    const vids = new Uint32Array(count)
    for (let i = 0; i < count; i++) vids[i] = vidOf.get(visitorIds[i]!)!
    return vids
  }

  /** Replaces the day's derived rows, unless the day changed since it was read (-1). */
  async function write(
    c: PoolClient,
    siteId: string,
    day: string,
    gen: number,
    rows: DayRows | null,
  ): Promise<number> {
    await c.query('BEGIN')
    try {
      const current = await c.query<{ gen: number }>(
        'SELECT gen FROM agg_dirty WHERE site_id = $1 AND day = $2 FOR UPDATE',
        [siteId, day],
      )
      if (current.rows[0]?.gen !== gen) {
        await c.query('ROLLBACK')
        return -1
      }
      for (const table of ['agg_sessions', 'agg_hours', 'agg_days', 'agg_facts']) {
        await c.query(`DELETE FROM ${table} WHERE site_id = $1 AND day = $2`, [siteId, day])
      }
      if (rows) await insertRows(c, rows)
      await c.query('DELETE FROM agg_dirty WHERE site_id = $1 AND day = $2 AND gen = $3', [
        siteId,
        day,
        gen,
      ])
      await c.query('COMMIT')
      return rows?.visits ?? 0
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined)
      throw error
    }
  }

  /** The dirty days that may be read now (see `settle`), and whether others wait. */
  async function readyDays() {
    const { rows } = await pool.query<{ site_id: string; day: string; ok: boolean }>(
      `SELECT site_id, day,
              ready IS NOT NULL AND ready <= pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS ok
         FROM agg_dirty ORDER BY site_id, day`,
    )
    return {
      ready: rows.filter((r) => r.ok),
      waiting: rows.length - rows.filter((r) => r.ok).length,
    }
  }

  /**
   * Recomputes the ready dirty days. Days still waiting for transactions in
   * flight are polled for up to a second (an insert commits in
   * milliseconds); past that the next pass takes them.
   */
  async function drain(onProgress?: (p: AggregateProgress) => void) {
    let { ready: dirty, waiting } = await readyDays()
    const deadline = Date.now() + 1_000
    for (let delay = 2; dirty.length === 0 && waiting > 0 && Date.now() < deadline; delay *= 2) {
      await new Promise((resolve) => setTimeout(resolve, delay))
      await settle()
      ;({ ready: dirty, waiting } = await readyDays())
    }
    let next = 0
    let done = 0
    let visits = 0
    let events = 0
    const worker = async () => {
      while (next < dirty.length) {
        const d = dirty[next++]!
        // A deadlock or serialization failure rolled everything back: try the day again.
        const r = await retrying(() => recompute(d.site_id, d.day))
        visits += Math.max(0, r.visits)
        events += r.events
        onProgress?.({ done: ++done, total: dirty.length, siteId: d.site_id, day: d.day })
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
    return { days: dirty.length, visits, events }
  }

  return {
    async pass(options = {}) {
      const started = performance.now()
      await scan()
      const r = await drain(options.onProgress)
      return { ...r, ms: performance.now() - started }
    },
    async rebuild(options = {}) {
      const started = performance.now()
      await scan()
      const sites = options.siteId
        ? [options.siteId]
        : (await pool.query<{ id: string }>('SELECT id FROM sites ORDER BY id')).rows.map(
            (r) => r.id,
          )
      await inTransaction(async (c) => {
        for (const id of sites) await markAllDaysWith(c, id)
      })
      await settle()
      const r = await drain(options.onProgress)
      return { ...r, ms: performance.now() - started }
    },
    async behind() {
      const { rows } = await pool.query<{ b: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM agg_pending) OR EXISTS (SELECT 1 FROM agg_dirty) AS b',
      )
      return rows[0]!.b
    },
    async markAllDays(siteId) {
      await inTransaction((c) => markAllDaysWith(c, siteId))
      await settle()
    },
    async purgedBefore(siteId, before) {
      await pool.query(
        `INSERT INTO agg_state (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = GREATEST(agg_state.value, EXCLUDED.value)`,
        [`purged:${siteId}`, before],
      )
    },
  }
}

/** Inserts a day's rows with one statement per table (arrays unnested server-side). */
async function insertRows(c: PoolClient, rows: DayRows) {
  const dims = VISIT_DIMENSIONS.length
  const sessionColumns: unknown[][] = Array.from({ length: 12 + dims }, () => [])
  rows.sessions((params) => {
    for (let k = 0; k < params.length; k++) sessionColumns[k]!.push(params[k])
  })
  const sessionTypes = [
    'text',
    'text',
    'bigint',
    'int',
    'bigint',
    'bigint',
    'int',
    'int',
    'int',
    ...VISIT_DIMENSIONS.map(() => 'text'),
    'text',
    'text',
    'text',
  ]
  if (sessionColumns[0]!.length > 0) {
    await c.query(
      `INSERT INTO agg_sessions (site_id, day, hour, vid, start, duration, pageviews, events,
         bounce, ${VISIT_DIMENSIONS.join(', ')}, pages, names, props)
       SELECT * FROM unnest(${sessionTypes.map((t, k) => `$${k + 1}::${t}[]`).join(', ')})`,
      sessionColumns,
    )
  }
  const columnsOf = (list: unknown[][], width: number) =>
    Array.from({ length: width }, (_, k) => list.map((r) => r[k]))
  if (rows.hours.length > 0) {
    await c.query(
      `INSERT INTO agg_hours (site_id, hour, day, visitors, visits, pageviews, events, bounces, duration)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::int[], $6::int[],
                            $7::int[], $8::int[], $9::bigint[])`,
      columnsOf(rows.hours, 9),
    )
  }
  if (rows.days.length > 0) {
    await c.query(
      `INSERT INTO agg_days (site_id, dim, day, value, visitors, visits, pageviews, events, bounces,
         duration, vset)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
                            $7::int[], $8::int[], $9::int[], $10::bigint[], $11::bytea[])`,
      columnsOf(rows.days, 11),
    )
  }
  if (rows.facts.length > 0) {
    await c.query(
      `INSERT INTO agg_facts (site_id, key, day, pairs)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])`,
      columnsOf(rows.facts, 4),
    )
  }
}
