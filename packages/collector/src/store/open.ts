import { ConfigError } from '../config'
import type { StoreLocation } from './location'
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/index'
import type { EventStore } from './types'

export interface OpenStoreOptions {
  /** SQLite only: see `SqliteStoreOptions.synchronous`. */
  synchronous?: SqliteStoreOptions['synchronous']
  /** SQLite only: `inline` for short CLI commands (no worker threads). */
  threads?: SqliteStoreOptions['threads']
}

/**
 * Opens the store a configuration names: the one place that turns
 * `PIPIT_DB` into an adapter. A server adapter's driver is loaded only when
 * its URL is configured, so `npm start` on SQLite never loads it.
 *
 * @example
 * const store = await openStore(parseConfig(process.env).db)
 */
export async function openStore(
  location: StoreLocation,
  options: OpenStoreOptions = {},
): Promise<EventStore> {
  if (location.kind === 'sqlite') {
    return createSqliteStore({
      path: location.path,
      ...(options.synchronous ? { synchronous: options.synchronous } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    })
  }
  // Loaded only here: a SQLite collector never loads pg.
  const { createPostgresStore } = await import('./postgres/index')
  try {
    return await createPostgresStore({ url: location.url })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError([`PIPIT_DB: cannot use PostgreSQL at ${location.redacted}: ${reason}`])
  }
}
