import pg from 'pg'
import type { EventLog, MetaStore } from '../types'
import { eventMethods } from './events'
import { metaMethods } from './meta'
import { migrate } from './migrations'
import { createPartitioner } from './partitions'
import { retentionMethods } from './retention'
import { pgTypes } from './rows'
import { subjectMethods } from './subjects'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (any node-postgres connection string). */
  url: string
  /** Connections of the pool; default 10. Each collector process has its own pool. */
  poolSize?: number
}

/**
 * The PostgreSQL adapter's metadata and event log. The stats part is built
 * on the same `pool` (one pool per process, same type parsers).
 */
export interface PostgresStore extends MetaStore, EventLog {
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
 * collectors start at once: see `migrate`) and returns the metadata and
 * event-log parts of the store. Loads `pg`: import this module only when a
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

  return {
    kind: 'postgres',
    pool,
    ...metaMethods(pool),
    ...eventMethods(pool, partitions),
    ...subjectMethods(pool),
    ...retentionMethods(pool, partitions),
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
