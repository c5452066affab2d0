import type pg from 'pg'
import type { EventLog } from '../types'
import { LOCKS, retrying, withLock } from './lock'
import type { Partitioner } from './partitions'
import { listPartitions } from './partitions'

/**
 * Retention on PostgreSQL. A month entirely before the cut-off whose rows all
 * belong to the purged site (or that is empty) is dropped whole: no scan of
 * its rows, no dead tuples for vacuum. Rows of other months, and months other
 * sites still have rows in, are deleted one by one; the last site's purge of
 * a month then drops it. Either way their `event_ids` go too, as in SQLite,
 * where the unique index goes with the row. Purged events leave their days'
 * rollups as they are (no `agg_pending` marks): rollups outlive raw data.
 */
export function retentionMethods(
  pool: pg.Pool,
  partitions: Partitioner,
): Pick<EventLog, 'purgeEvents'> {
  /** Drops the site's whole months before `before`: how many, and the rows they held. */
  const dropMonths = (siteId: string, before: number) =>
    withLock(pool, LOCKS.partitions, async (client) => {
      const whole = (await listPartitions(client)).filter((m) => m.to <= before)
      const done = { months: 0, rows: 0 }
      if (whole.length === 0) return done
      // SHARE blocks inserts (not reads) until COMMIT: no row can land in a
      // month between the check that only this site has rows there and the
      // drop. It waits for inserts in flight, which hold no advisory lock.
      await client.query('LOCK TABLE events IN SHARE MODE')
      for (const m of whole) {
        // Both ends of the (site_id, timestamp) index: two index probes, not a scan.
        const sites = await client.query<{ lo: string | null; hi: string | null }>(
          `SELECT min(site_id) AS lo, max(site_id) AS hi FROM "${m.name}"`,
        )
        const { lo, hi } = sites.rows[0]!
        if (lo !== null && (lo !== siteId || hi !== siteId)) continue
        const ids = await client.query(
          `DELETE FROM event_ids i USING "${m.name}" e
            WHERE i.site_id = e.site_id AND i.message_id = e.message_id`,
        )
        await client.query(`DROP TABLE "${m.name}"`)
        // Every event has exactly one event_ids row: these are the month's rows.
        done.rows += ids.rowCount ?? 0
        done.months++
      }
      return done
    })

  return {
    async purgeEvents(siteId, before, dryRun) {
      if (dryRun) {
        const { rows } = await pool.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM events WHERE site_id = $1 AND timestamp < $2',
          [siteId, before],
        )
        return rows[0]!.n
      }
      const dropped = await dropMonths(siteId, before)
      // This process's cache may name a dropped month; a late event of that
      // month recreates it (other processes learn on their first miss).
      if (dropped.months > 0) partitions.forget()
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
      return dropped.rows + deleted
    },
  }
}
