import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type {
  EventStore,
  InsertOutcome,
  KeyRecord,
  KeyScope,
  OverviewCounts,
  OverviewQuery,
  Site,
  StoredEvent,
} from '../types'
import { SiteExistsError } from '../types'
import { migrations } from './migrations'

export interface SqliteStoreOptions {
  /** Database file; created with its folder when missing. `:memory:` for throwaway stores. */
  path: string
  /**
   * `full` (default) fsyncs the WAL on every commit, so an acknowledged event
   * survives power loss; `normal` survives a process crash (kill -9) only.
   */
  synchronous?: 'full' | 'normal'
}

interface EventRow {
  site_id: string
  message_id: string
  type: StoredEvent['type']
  name: string | null
  anonymous_id: string | null
  user_id: string | null
  visitor_id: string
  timestamp: number
  received_at: number
  path: string | null
  url: string | null
  referrer: string | null
  properties: string | null
  traits: string | null
  context: string | null
}

interface KeyRow {
  id: string
  site_id: string | null
  scope: KeyScope
  hash: string
  prefix: string
  public_key: string | null
  created_at: number
  revoked_at: number | null
}

interface SiteRow {
  id: string
  name: string
  timezone: string
  created_at: number
}

const json = (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : null)
const parse = (text: string | null) => (text ? (JSON.parse(text) as Record<string, unknown>) : null)

const toSite = (r: SiteRow): Site => ({
  id: r.id,
  name: r.name,
  timezone: r.timezone,
  createdAt: r.created_at,
})

const toKey = (r: KeyRow): KeyRecord => ({
  id: r.id,
  siteId: r.site_id,
  scope: r.scope,
  hash: r.hash,
  prefix: r.prefix,
  publicKey: r.public_key,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

const toEvent = (r: EventRow): StoredEvent => ({
  siteId: r.site_id,
  messageId: r.message_id,
  type: r.type,
  name: r.name,
  anonymousId: r.anonymous_id,
  userId: r.user_id,
  visitorId: r.visitor_id,
  timestamp: r.timestamp,
  receivedAt: r.received_at,
  path: r.path,
  url: r.url,
  referrer: r.referrer,
  properties: parse(r.properties),
  traits: parse(r.traits),
  context: parse(r.context),
})

/** Brings the schema to the newest version; returns the version reached. */
export function migrate(db: Database.Database): number {
  let version = db.pragma('user_version', { simple: true }) as number
  while (version < migrations.length) {
    const sql = migrations[version]!
    const next = version + 1
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${next}`)
    })()
    version = next
  }
  return version
}

/**
 * The embedded default store: one SQLite file in WAL mode, written through
 * one connection (better-sqlite3 is synchronous, so a transaction is never
 * interleaved with another request's).
 *
 * @example
 * const store = createSqliteStore({ path: './data/pipit.db' })
 * const app = createApp({ store, config })
 */
export function createSqliteStore(options: SqliteStoreOptions): EventStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)

  const insertSite = db.prepare(
    'INSERT INTO sites (id, name, timezone, created_at) VALUES (?, ?, ?, ?)',
  )
  const selectSite = db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE id = ?')
  const selectSites = db.prepare<[], SiteRow>('SELECT * FROM sites ORDER BY created_at, id')
  const insertKey = db.prepare(
    `INSERT INTO keys (id, site_id, scope, hash, prefix, public_key, created_at, revoked_at)
     VALUES (@id, @siteId, @scope, @hash, @prefix, @publicKey, @createdAt, @revokedAt)`,
  )
  const selectKeyByHash = db.prepare<[string], KeyRow>('SELECT * FROM keys WHERE hash = ?')
  const selectKeysOfSite = db.prepare<[string], KeyRow>(
    'SELECT * FROM keys WHERE site_id = ? ORDER BY created_at, id',
  )
  const selectInstanceKeys = db.prepare<[], KeyRow>(
    'SELECT * FROM keys WHERE site_id IS NULL ORDER BY created_at, id',
  )
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (site_id, message_id, type, name, anonymous_id, user_id,
       visitor_id, timestamp, received_at, path, url, referrer, properties, traits, context)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const selectEvents = db.prepare<[string, number], EventRow>(
    'SELECT * FROM events WHERE site_id = ? ORDER BY timestamp, rowid LIMIT ?',
  )
  const selectOverview = db.prepare<
    [string, number, number],
    { visitors: number; pageviews: number; events: number }
  >(
    `SELECT COUNT(DISTINCT visitor_id) AS visitors,
            COALESCE(SUM(type IN ('page', 'screen')), 0) AS pageviews,
            COALESCE(SUM(type = 'track'), 0) AS events
       FROM events WHERE site_id = ? AND timestamp >= ? AND timestamp < ?`,
  )

  const insertMany = db.transaction((events: readonly StoredEvent[]): InsertOutcome[] =>
    events.map((e) => {
      const { changes } = insertEvent.run(
        e.siteId,
        e.messageId,
        e.type,
        e.name,
        e.anonymousId,
        e.userId,
        e.visitorId,
        e.timestamp,
        e.receivedAt,
        e.path,
        e.url,
        e.referrer,
        json(e.properties),
        json(e.traits),
        json(e.context),
      )
      return changes === 1 ? 'inserted' : 'duplicate'
    }),
  )

  return {
    kind: 'sqlite',

    createSite(site) {
      try {
        insertSite.run(site.id, site.name, site.timezone, site.createdAt)
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          return Promise.reject(new SiteExistsError(site.id))
        }
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
      return Promise.resolve()
    },
    getSite: (id) => Promise.resolve(maybe(selectSite.get(id), toSite)),
    listSites: () => Promise.resolve(selectSites.all().map(toSite)),

    createKey(key) {
      insertKey.run(key)
      return Promise.resolve()
    },
    findKeyByHash: (hash) => Promise.resolve(maybe(selectKeyByHash.get(hash), toKey)),
    listKeys: (siteId) =>
      Promise.resolve(
        (siteId === null ? selectInstanceKeys.all() : selectKeysOfSite.all(siteId)).map(toKey),
      ),

    insertEvents: (events) => Promise.resolve(events.length === 0 ? [] : insertMany(events)),
    listEvents: (siteId, opts) =>
      Promise.resolve(selectEvents.all(siteId, opts?.limit ?? -1).map(toEvent)),
    overview(q: OverviewQuery): Promise<OverviewCounts> {
      const row = selectOverview.get(q.siteId, q.fromMs, q.toMs)!
      return Promise.resolve({
        visitors: row.visitors,
        pageviews: row.pageviews,
        events: row.events,
      })
    },

    isWritable() {
      try {
        // BEGIN IMMEDIATE takes the write lock without writing anything.
        db.exec('BEGIN IMMEDIATE; ROLLBACK')
        return Promise.resolve(!db.readonly)
      } catch {
        return Promise.resolve(false)
      }
    },
    close() {
      if (db.open) db.close()
      return Promise.resolve()
    },
  }
}

function maybe<R, T>(row: R | undefined, map: (r: R) => T): T | undefined {
  return row === undefined ? undefined : map(row)
}
