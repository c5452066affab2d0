import type pg from 'pg'
import type { EventLog, Subject } from '../types'
import { decodeCursor, encodeCursor, QUARTER } from './events'
import { retrying } from './lock'
import type { EventRow } from './rows'
import { EVENT_COLUMNS, toEvent } from './rows'

type SubjectMethods = Pick<
  EventLog,
  'linkedIds' | 'subjectEvents' | 'deleteSubject' | 'anonymizeSubject'
>

/** `$1` the site, `$2` and `$3` arrays of user ids and anonymous ids. */
const SUBJECT_WHERE = `site_id = $1 AND (user_id = ANY($2::text[]) OR anonymous_id = ANY($3::text[]))`

/** Marks the quarter hours of the changed rows (CTE `changed`) for the aggregation. */
const MARK_PENDING = `pending AS (
  INSERT INTO agg_pending (site_id, quarter)
  SELECT DISTINCT site_id, ${QUARTER} FROM changed ORDER BY 1, 2
  ON CONFLICT DO NOTHING
)`

/**
 * Data-subject queries (GDPR export, erasure) on PostgreSQL. Like SQLite's,
 * they scan the site's events rather than use indexes on user and anonymous
 * ids, which would slow every insert for the sake of rare requests. An
 * erasure or anonymisation is one statement: the rows, their `event_ids`
 * (nothing of an erased subject stays) and the `agg_pending` marks of their
 * quarter hours change together or not at all.
 */
export function subjectMethods(pool: pg.Pool): SubjectMethods {
  const params = (siteId: string, s: Subject) => [siteId, s.userIds, s.anonymousIds]

  return {
    async linkedIds(siteId, start) {
      const users = new Set(start.userId ? [start.userId] : [])
      const anons = new Set(start.anonymousId ? [start.anonymousId] : [])
      for (let size = -1; size !== users.size + anons.size;) {
        size = users.size + anons.size
        const { rows } = await pool.query<{
          user_id: string | null
          anonymous_id: string | null
          previous: string | null
        }>(
          `SELECT DISTINCT user_id, anonymous_id,
                  CASE WHEN type = 'alias' THEN properties->>'previousId' END AS previous
             FROM events
            WHERE ${SUBJECT_WHERE}
               OR (site_id = $1 AND type = 'alias'
                   AND (properties->>'previousId' = ANY($2::text[])
                     OR properties->>'previousId' = ANY($3::text[])))`,
          params(siteId, { userIds: [...users], anonymousIds: [...anons] }),
        )
        for (const row of rows) {
          if (row.user_id) users.add(row.user_id)
          if (row.anonymous_id) anons.add(row.anonymous_id)
          // An alias's previous id may have been either kind of id.
          if (row.previous) {
            users.add(row.previous)
            anons.add(row.previous)
          }
        }
      }
      return { userIds: [...users].sort(), anonymousIds: [...anons].sort() }
    },
    async subjectEvents(siteId, subject, cursor, limit) {
      const after = cursor === null ? null : decodeCursor(cursor)
      const { rows } = after
        ? await pool.query<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM events
              WHERE ${SUBJECT_WHERE} AND (timestamp, message_id) > ($4, $5)
              ORDER BY timestamp, message_id LIMIT $6`,
            [...params(siteId, subject), after.timestamp, after.messageId, limit],
          )
        : await pool.query<EventRow>(
            `SELECT ${EVENT_COLUMNS} FROM events WHERE ${SUBJECT_WHERE}
              ORDER BY timestamp, message_id LIMIT $4`,
            [...params(siteId, subject), limit],
          )
      const events = rows.map(toEvent)
      const last = events[events.length - 1]
      return { events, next: events.length === limit && last ? encodeCursor(last) : null }
    },
    deleteSubject: (siteId, subject) =>
      retrying(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `WITH changed AS (
             DELETE FROM events WHERE ${SUBJECT_WHERE} RETURNING site_id, message_id, timestamp
           ), ids AS (
             DELETE FROM event_ids i USING changed c
              WHERE i.site_id = c.site_id AND i.message_id = c.message_id
           ), ${MARK_PENDING}
           SELECT count(*)::integer AS n FROM changed`,
          params(siteId, subject),
        )
        return rows[0]!.n
      }),
    anonymizeSubject: (siteId, subject, visitorId) =>
      retrying(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `WITH changed AS (
             UPDATE events SET user_id = NULL, anonymous_id = NULL, visitor_id = $4,
                    traits = NULL, context = NULL
              WHERE ${SUBJECT_WHERE} RETURNING site_id, timestamp
           ), ${MARK_PENDING}
           SELECT count(*)::integer AS n FROM changed`,
          [...params(siteId, subject), visitorId],
        )
        return rows[0]!.n
      }),
  }
}
