import type pg from 'pg'
import type { EventLog, InsertOutcome, StoredEvent } from '../types'
import { EventFlag } from '../types'
import { isRetryable } from './lock'
import type { Partitioner } from './partitions'
import { isMissingPartition } from './partitions'
import type { EventRow } from './rows'
import { EVENT_COLUMNS, EVENT_FIELDS, toEvent } from './rows'

/**
 * The UTC quarter hour of an event, floor(timestamp / 900000), in SQL: the
 * unit of `agg_pending`. Integer arithmetic (bigint division truncates toward
 * zero, so negative times are shifted first), not numeric: half the cost.
 */
export const QUARTER = '(timestamp - ((timestamp % 900000) + 900000) % 900000) / 900000'

/**
 * One statement per call, so one round trip and one transaction: the batch
 * arrives as one JSON array; new (site_id, message_id) pairs go into
 * `event_ids` (ON CONFLICT DO NOTHING RETURNING says which are new), only
 * those rows into `events`, and their quarter hours into `agg_pending`. The
 * result is the 1-based positions, in the array, of the new events.
 */
const INSERT_SQL = `
WITH input AS MATERIALIZED (
  SELECT * FROM ROWS FROM (json_to_recordset($1::json) AS (
    ${EVENT_FIELDS.map(([, field, type]) => `"${field}" ${type}`).join(', ')}
  )) WITH ORDINALITY AS e
), ids AS (
  INSERT INTO event_ids (site_id, message_id)
  SELECT "siteId", "messageId" FROM input ORDER BY ordinality
  ON CONFLICT DO NOTHING
  RETURNING site_id, message_id
), stored AS (
  INSERT INTO events (${EVENT_COLUMNS})
  SELECT ${EVENT_FIELDS.map(([, field]) => `input."${field}"`).join(', ')}
    FROM input JOIN ids ON ids.site_id = input."siteId" AND ids.message_id = input."messageId"
  RETURNING site_id, timestamp
), pending AS (
  INSERT INTO agg_pending (site_id, quarter)
  SELECT DISTINCT site_id, ${QUARTER} FROM stored ORDER BY 1, 2
  ON CONFLICT DO NOTHING
)
SELECT input.ordinality::integer AS n
  FROM input JOIN ids ON ids.site_id = input."siteId" AND ids.message_id = input."messageId"`

/**
 * Escapes PostgreSQL cannot store in text or jsonb: U+0000, and lone UTF-16
 * surrogates (which JSON.stringify writes as `\udXXX`). An even number of
 * backslashes before them means they are escapes, not literal text.
 */
const UNSTORABLE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g')

/** An event with U+0000 and lone surrogates replaced by U+FFFD, as PostgreSQL can store it. */
function storable(e: StoredEvent): StoredEvent {
  return JSON.parse(JSON.stringify(e).replace(UNSTORABLE_ALL, '$1\\ufffd')) as StoredEvent
}

interface Batch {
  /** Position in the input of each unique event, in the order sent. */
  positions: number[]
  json: string
}

/**
 * The first event of each (site, messageId) in the call, sorted by that pair:
 * two calls inserting overlapping ids take their row locks in one order, so
 * they cannot deadlock.
 */
function batch(events: readonly StoredEvent[]): Batch {
  const seen = new Map<string, Set<string>>()
  const positions: number[] = []
  events.forEach((e, i) => {
    let ids = seen.get(e.siteId)
    if (!ids) seen.set(e.siteId, (ids = new Set()))
    if (ids.has(e.messageId)) return
    ids.add(e.messageId)
    positions.push(i)
  })
  positions.sort((a, b) => compare(events[a]!, events[b]!))
  return { positions, json: JSON.stringify(positions.map((i) => events[i])) }
}

function compare(a: StoredEvent, b: StoredEvent): number {
  if (a.siteId !== b.siteId) return a.siteId < b.siteId ? -1 : 1
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0
}

/** A keyset cursor over (timestamp, message_id), opaque to callers. */
export function encodeCursor(e: { timestamp: number; messageId: string }): string {
  return `v1.${Buffer.from(JSON.stringify([e.timestamp, e.messageId])).toString('base64url')}`
}

export function decodeCursor(cursor: string): { timestamp: number; messageId: string } {
  try {
    if (!cursor.startsWith('v1.')) throw new Error('no version')
    const [timestamp, messageId] = JSON.parse(
      Buffer.from(cursor.slice(3), 'base64url').toString(),
    ) as unknown[]
    if (typeof timestamp === 'number' && typeof messageId === 'string') {
      return { timestamp, messageId }
    }
  } catch {
    // Reported below with the cursor.
  }
  throw new RangeError(`not a cursor of this store: ${cursor}`)
}

type EventMethods = Pick<
  EventLog,
  'insertEvents' | 'listEvents' | 'overview' | 'eventPage' | 'countEvents'
>

/** Insert with exact deduplication, reads in (timestamp, message_id) order, counts. */
export function eventMethods(pool: pg.Pool, partitions: Partitioner): EventMethods {
  const insert = async (json: string, timestamps: number[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await pool.query<{ n: number }>({
          name: 'pipit_insert_events',
          text: INSERT_SQL,
          values: [json],
        })
        return result.rows
      } catch (error) {
        if (attempt >= 3) throw error
        // Another collector removed a month under this one's cache (retention).
        if (isMissingPartition(error)) partitions.forget()
        else if (!isRetryable(error)) throw error
        await partitions.ensure(timestamps)
      }
    }
  }

  return {
    async insertEvents(input) {
      if (input.length === 0) return []
      let events = input
      let sent = batch(events)
      // JSON.stringify writes `\u` only for control characters and lone surrogates
      // (or a backslash before a u): a cheap test first, the exact one rarely.
      if (sent.json.includes('\\u') && UNSTORABLE.test(sent.json)) {
        events = input.map(storable)
        sent = batch(events)
      }
      const timestamps = sent.positions.map((i) => events[i]!.timestamp)
      await partitions.ensure(timestamps)
      const rows = await insert(sent.json, timestamps)
      const outcomes: InsertOutcome[] = new Array<InsertOutcome>(input.length).fill('duplicate')
      for (const { n } of rows) outcomes[sent.positions[n - 1]!] = 'inserted'
      return outcomes
    },
    async listEvents(siteId, options) {
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = $1
          ORDER BY timestamp, message_id LIMIT $2`,
        [siteId, options?.limit ?? null],
      )
      return rows.map(toEvent)
    },
    async countEvents(siteId) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM events WHERE site_id = $1',
        [siteId],
      )
      return rows[0]!.n
    },
    async eventPage(siteId, cursor, limit) {
      const after = cursor === null ? null : decodeCursor(cursor)
      const { rows } = after
        ? await pool.query<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM events
              WHERE site_id = $1 AND (timestamp, message_id) > ($2, $3)
              ORDER BY timestamp, message_id LIMIT $4`,
            [siteId, after.timestamp, after.messageId, limit],
          )
        : await pool.query<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM events WHERE site_id = $1
              ORDER BY timestamp, message_id LIMIT $2`,
            [siteId, limit],
          )
      const events = rows.map(toEvent)
      const last = events[events.length - 1]
      return { events, next: events.length === limit && last ? encodeCursor(last) : null }
    },
    async overview(q) {
      const { rows } = await pool.query<{ visitors: number; pageviews: number; events: number }>(
        `SELECT count(DISTINCT visitor_id) AS visitors,
                count(*) FILTER (WHERE type IN ('page', 'screen')) AS pageviews,
                count(*) FILTER (WHERE type = 'track') AS events
           FROM events
          WHERE site_id = $1 AND timestamp >= $2 AND timestamp < $3
            AND (flags & ${EventFlag.bot}) = 0`,
        [q.siteId, q.fromMs, q.toMs],
      )
      const row = rows[0]!
      return { visitors: row.visitors, pageviews: row.pageviews, events: row.events }
    },
  }
}
