import pg from 'pg'
import type { EventStore, Subject } from '../types'
import { eventMethods } from './events'
import { metaMethods } from './meta'
import { migrate } from './migrations'
import { createPartitioner } from './partitions'
import { retentionMethods } from './retention'
import { pgTypes } from './rows'
import { postgresStatsStore } from './stats'
import { subjectMethods } from './subjects'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (any node-postgres connection string). */
  url: string
  /** Connections of the pool; default 10. Each collector process has its own pool. */
  poolSize?: number
}

/**
 * The PostgreSQL store: metadata, event log and stats on one pool (one pool
 * per process), for several collectors sharing one database.
 */
export interface PostgresStore extends EventStore {
  readonly kind: 'postgres'
  /** The adapter's connection pool: `bigint` columns read as numbers. */
  readonly pool: pg.Pool
  /** True when a write would succeed now (not a read-only replica or transaction). */
  isWritable(): Promise<boolean>
  /** Ends the pool's connections. */
  close(): Promise<void>
}

/**
 * Connects to PostgreSQL, brings the schema up to date (safe when several
 * collectors start at once: see `migrate`) and returns the whole store:
 * metadata and event log (this folder's SQL), stats from the shared engine
 * over `rollup-source.ts`, aggregation coordinated between collectors
 * (`aggregate.ts`). Loads `pg`: import this module only when a
 * postgres URL is configured (`await import('./store/postgres/index')`).
 *
 * @example
 * const store = await createPostgresStore({ url: 'postgres://pipit@db:5432/pipit' })
 * await store.insertEvents(events) // ['inserted', 'duplicate', ...]
 * await store.close()
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // An unreachable server fails the start (and readiness) in 10 s rather than hang.
    connectionTimeoutMillis: 10_000,
    types: pgTypes,
  })
  // An idle connection that breaks (server restart, network) is dropped from
  // the pool, which opens a new one for the next query; without a listener
  // the 'error' event would end the process.
  pool.on('error', () => undefined)
  try {
    await migrate(pool)
  } catch (error) {
    await pool.end()
    throw error
  }
  const partitions = createPartitioner(pool)
  const { aggregator, ...stats } = postgresStatsStore(pool)
  const subjects = subjectMethods(pool)
  const retention = retentionMethods(pool, partitions)

  /**
   * Runs an erasure or anonymisation, then forgets the subject's visitor
   * numbers (as SQLite does): the days it touched are recomputed (the
   * change marked them), and a visitor seen again is numbered afresh.
   */
  const forgetting = async (siteId: string, subject: Subject, change: () => Promise<number>) => {
    const { rows } = await pool.query<{ visitor_id: string }>(
      `SELECT DISTINCT visitor_id FROM events WHERE site_id = $1
          AND (user_id = ANY($2::text[]) OR anonymous_id = ANY($3::text[]))`,
      [siteId, subject.userIds, subject.anonymousIds],
    )
    const changed = await change()
    await pool.query('DELETE FROM agg_visitors WHERE site_id = $1 AND visitor_id = ANY($2)', [
      siteId,
      rows.map((r) => r.visitor_id),
    ])
    return changed
  }

  return {
    kind: 'postgres',
    pool,
    ...metaMethods(pool),
    ...eventMethods(pool, partitions),
    ...subjects,
    ...retention,
    ...stats,
    deleteSubject: (siteId, subject) =>
      forgetting(siteId, subject, () => subjects.deleteSubject(siteId, subject)),
    anonymizeSubject: (siteId, subject, visitorId) =>
      forgetting(siteId, subject, () => subjects.anonymizeSubject(siteId, subject, visitorId)),
    async purgeEvents(siteId, before, dryRun) {
      const n = await retention.purgeEvents(siteId, before, dryRun)
      // Days a purge reached into keep their rollups: never recomputed from what is left.
      if (!dryRun) await aggregator.purgedBefore(siteId, before)
      return n
    },
    async isWritable() {
      try {
        const { rows } = await pool.query<{ writable: boolean }>(
          `SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'
             AS writable`,
        )
        return rows[0]?.writable === true
      } catch {
        return false
      }
    },
    async close() {
      if (!pool.ended && !pool.ending) await pool.end()
    },
  }
}

export { migrate, migrations } from './migrations'
export type { Migration } from './migrations'
