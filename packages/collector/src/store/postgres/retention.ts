import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { EventLog } from '../types'
import { LOCKS, retrying, withLock } from './lock'
import type { Partitioner } from './partitions'
import { listPartitions } from './partitions'

/** Prefix of a month detached from `events` whose `event_ids` still have to go. */
const PURGING = 'purging_'

/**
 * Retention on PostgreSQL. A month entirely before the cut-off whose rows all
 * belong to the purged site (or that is empty) goes whole: no row-by-row
 * delete, no dead tuples for vacuum. Rows of other months, and of months other
 * sites still have rows in, are deleted one by one; the last site's purge of
 * a month then drops it. Either way their `event_ids` go too, as in SQLite,
 * where the unique index goes with the row. Purged events leave their days'
 * rollups as they are (no `agg_pending` marks): rollups outlive raw data.
 */
export function retentionMethods(
  pool: pg.Pool,
  partitions: Partitioner,
): Pick<EventLog, 'purgeEvents'> {
  /**
   * Detaches (and renames) the months before `before` that only `siteId` has
   * rows in. Inserts and reads wait only for two index probes per month and
   * the detach: the slow part, deleting a month of `event_ids`, comes after.
   * A lock that cannot be had within 5 s (a long read) leaves the months to
   * the row-by-row delete rather than stall ingest behind the wait.
   */
  const detachMonths = async (siteId: string, before: number): Promise<string[]> => {
    try {
      return await withLock(pool, LOCKS.partitions, async (client) => {
        const whole = (await listPartitions(client)).filter((m) => m.to <= before)
        if (whole.length === 0) return []
        await client.query(`SET LOCAL lock_timeout = '5s'`)
        // No row can land in a month between the check that only this site
        // has rows there and the detach.
        await client.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE')
        const detached: string[] = []
        for (const m of whole) {
          // Both ends of the (site_id, timestamp) index: two index probes, not a scan.
          const sites = await client.query<{ lo: string | null; hi: string | null }>(
            `SELECT min(site_id) AS lo, max(site_id) AS hi FROM "${m.name}"`,
          )
          const { lo, hi } = sites.rows[0]!
          if (lo !== null && (lo !== siteId || hi !== siteId)) continue
          // A unique name: a late event may bring the month back and it may be purged again.
          const name = `${PURGING}${m.name}_${randomBytes(4).toString('hex')}`
          await client.query(`ALTER TABLE events DETACH PARTITION "${m.name}"`)
          await client.query(`ALTER TABLE "${m.name}" RENAME TO "${name}"`)
          detached.push(name)
        }
        return detached
      })
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') return []
      throw error
    }
  }

  /**
   * Deletes the `event_ids` of detached months and drops them, one
   * transaction each: those of this call, and any a crashed purge left
   * (of any site: all of their rows were due). Returns the rows of `mine`.
   */
  const finishDetached = async (mine: string[]): Promise<number> => {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
        WHERE relkind = 'r' AND relname LIKE 'purging\\_events\\_%'
          AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)`,
    )
    let purged = 0
    for (const { name } of rows) {
      purged += await withLock(pool, LOCKS.purging, async (client) => {
        const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [`"${name}"`])
        if (!(exists.rows[0] as { e: boolean }).e) return 0 // another collector finished it
        const ids = await client.query(
          `DELETE FROM event_ids i USING "${name}" e
            WHERE i.site_id = e.site_id AND i.message_id = e.message_id`,
        )
        await client.query(`DROP TABLE "${name}"`)
        // Every event has exactly one event_ids row: these are the month's rows.
        return mine.includes(name) ? (ids.rowCount ?? 0) : 0
      })
    }
    return purged
  }

  return {
    async purgeEvents(siteId, before, dryRun) {
      if (dryRun) {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM events WHERE site_id = $1 AND timestamp < $2',
          [siteId, before],
        )
        return rows[0]!.n
      }
      const detached = await detachMonths(siteId, before)
      // This process's cache may name a detached month; a late event of that
      // month recreates it (other processes learn on their first miss).
      if (detached.length > 0) partitions.forget()
      const whole = await finishDetached(detached)
      const deleted = await retrying(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM events WHERE site_id = $1 AND timestamp < $2 RETURNING site_id, message_id
           ), ids AS (
             DELETE FROM event_ids i USING gone g
              WHERE i.site_id = g.site_id AND i.message_id = g.message_id
           )
           SELECT count(*)::integer AS n FROM gone`,
          [siteId, before],
        )
        return rows[0]!.n
      })
      return whole + deleted
    },
  }
}
