/**
 * The Pipit collector, free of Node bindings: the Hono app factory, the
 * storage contract and the SQLite adapter. `@pipit/collector/node` serves it.
 *
 * @example
 * import { createApp, createSqliteStore } from '@pipit/collector'
 */
export { createApp } from './app'
export type { CreateAppOptions } from './app'
export { parseConfig, configSchema, ConfigError } from './config'
export type { AppConfig, CollectorConfig } from './config'
export { createSqliteStore } from './store/sqlite/index'
export type { SqliteStoreOptions } from './store/sqlite/index'
export { SiteExistsError } from './store/types'
export type {
  EventStore,
  StoredEvent,
  Site,
  KeyRecord,
  KeyScope,
  InsertOutcome,
  OverviewQuery,
  OverviewCounts,
} from './store/types'
export { createSiteWithKeys } from './routes/sites'
export { generateKey, hashKey } from './auth/keys'
