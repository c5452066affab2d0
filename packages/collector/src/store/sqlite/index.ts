import { mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import type {
  EventStore,
  InsertOutcome,
  OverviewCounts,
  OverviewQuery,
  StoredEvent,
} from '../types'
import { DEFAULT_SETTINGS, EventFlag, SiteExistsError } from '../types'
import { startCheckpointer } from './checkpointer'
import { createAggregator } from './aggregate'
import { startAggregationThreads } from './aggregate-thread'
import { statsMethods } from './stats'
import { subjectMethods } from './subjects'
import { startWriterThread } from './writer-thread'
import { migrations } from './migrations'
import type { EventRow, KeyRow, SiteRow, SuppressionRow } from './rows'
import { EVENT_COLUMNS, eventParams, toEvent, toKey, toSite, toSuppression } from './rows'

export interface SqliteStoreOptions {
  /** Database file; created with its folder when missing. `:memory:` for throwaway stores. */
  path: string
  /**
   * `normal` (default): a committed event survives a crash of the process
   * (`kill -9`, tested) but the last commits may be lost on power loss or an
   * OS crash. `full` fsyncs the WAL on every commit, so they survive those
   * too, at about half the ingest throughput on a small virtual machine.
   */
  synchronous?: 'full' | 'normal'
  /**
   * Where event inserts and WAL checkpoints run: `background` (default for
   * files) in worker threads with their own connections, `inline` on the
   * calling thread (SQLite's default behaviour).
   */
  threads?: 'background' | 'inline'
  /**
   * Threads that aggregate events into rollups (background stores only).
   * Default: 2, or 1 on a single-core machine. With `threads: 'inline'` or
   * `:memory:` aggregation runs on the calling thread.
   */
  aggregateThreads?: number
}

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
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  const background = options.path !== ':memory:' && options.threads !== 'inline'
  if (background) db.pragma('wal_autocheckpoint = 0')
  const checkpointer = background
    ? startCheckpointer(options.path, () => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000')
      })
    : undefined
  const writer = background
    ? startWriterThread(options.path, options.synchronous ?? 'normal')
    : undefined

  const aggregator = createAggregator(db)
  const aggregation = background
    ? startAggregationThreads(
        options.path,
        options.aggregateThreads ?? Math.min(2, availableParallelism()),
      )
    : undefined
  const insertSite = db.prepare(
    'INSERT INTO sites (id, name, timezone, domain, settings, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const selectSite = db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE id = ?')
  const selectSiteByDomain = db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE domain = ?')
  const updateSiteRow = db.prepare(
    'UPDATE sites SET name = @name, timezone = @timezone, domain = @domain, settings = @settings WHERE id = @id',
  )
  const insertSuppression = db.prepare(
    'INSERT OR IGNORE INTO suppressions (site_id, kind, value, created_at) VALUES (?, ?, ?, ?)',
  )
  const deleteSuppression = db.prepare(
    'DELETE FROM suppressions WHERE site_id = ? AND kind = ? AND value = ?',
  )
  const selectSuppressions = db.prepare<[string], SuppressionRow>(
    'SELECT * FROM suppressions WHERE site_id = ? ORDER BY created_at, kind, value',
  )
  const insertSalt = db.prepare('INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)')
  const selectSalt = db.prepare<[string], { salt: Buffer }>('SELECT salt FROM salts WHERE day = ?')
  const deleteOldSalts = db.prepare('DELETE FROM salts WHERE day < ?')
  const selectSites = db.prepare<[], SiteRow>('SELECT * FROM sites ORDER BY created_at, id')
  const insertKey = db.prepare(
    `INSERT INTO keys (id, site_id, scope, hash, prefix, public_key, created_at, revoked_at)
     VALUES (@id, @siteId, @scope, @hash, @prefix, @publicKey, @createdAt, @revokedAt)`,
  )
  const selectKeyByHash = db.prepare<[string], KeyRow>('SELECT * FROM keys WHERE hash = ?')
  const selectKey = db.prepare<[string], KeyRow>('SELECT * FROM keys WHERE id = ?')
  const revokeKeyRow = db.prepare(
    'UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  )
  const selectKeysOfSite = db.prepare<[string], KeyRow>(
    'SELECT * FROM keys WHERE site_id = ? ORDER BY created_at, rowid',
  )
  const selectInstanceKeys = db.prepare<[], KeyRow>(
    'SELECT * FROM keys WHERE site_id IS NULL ORDER BY created_at, rowid',
  )
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (${EVENT_COLUMNS.join(', ')})
     VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`,
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
       FROM events WHERE site_id = ? AND timestamp >= ? AND timestamp < ?
        AND (flags & ${EventFlag.bot}) = 0`,
  )

  const insertMany = db.transaction((events: readonly StoredEvent[]): InsertOutcome[] =>
    events.map((e) => (insertEvent.run(eventParams(e)).changes === 1 ? 'inserted' : 'duplicate')),
  )

  return {
    kind: 'sqlite',
    ...subjectMethods(db, aggregator),
    ...statsMethods(db, aggregator, aggregation),

    createSite(site) {
      if (selectSite.get(site.id)) return Promise.reject(new SiteExistsError(site.id))
      try {
        const settings = JSON.stringify({ ...DEFAULT_SETTINGS, ...site.settings })
        insertSite.run(site.id, site.name, site.timezone, site.domain, settings, site.createdAt)
      } catch (error) {
        return Promise.reject(siteConflict(error, site.domain))
      }
      return Promise.resolve()
    },
    getSite: (id) => Promise.resolve(maybe(selectSite.get(id), toSite)),
    findSiteByDomain: (domain) => Promise.resolve(maybe(selectSiteByDomain.get(domain), toSite)),
    listSites: () => Promise.resolve(selectSites.all().map(toSite)),
    updateSite(id, patch) {
      const current = maybe(selectSite.get(id), toSite)
      if (!current) return Promise.resolve(undefined)
      const next = { ...current, ...patch, settings: { ...current.settings, ...patch.settings } }
      try {
        updateSiteRow.run({ ...next, settings: JSON.stringify(next.settings) })
      } catch (error) {
        return Promise.reject(siteConflict(error, next.domain))
      }
      aggregator.forgetSite(id)
      // Days are the site's local days: a new time zone redraws every one of them.
      if (next.timezone !== current.timezone) aggregator.markAllDays(id)
      return Promise.resolve(next)
    },

    addSuppression: (e) =>
      Promise.resolve(insertSuppression.run(e.siteId, e.kind, e.value, e.createdAt).changes === 1),
    removeSuppression: (siteId, kind, value) =>
      Promise.resolve(deleteSuppression.run(siteId, kind, value).changes === 1),
    listSuppressions: (siteId) =>
      Promise.resolve(selectSuppressions.all(siteId).map(toSuppression)),

    saltForDay(day, keepDays) {
      const salt = db.transaction(() => {
        insertSalt.run(day, randomBytes(32))
        const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - keepDays * 86_400_000)
        deleteOldSalts.run(cutoff.toISOString().slice(0, 10))
        return selectSalt.get(day)!.salt
      })()
      return Promise.resolve(new Uint8Array(salt))
    },

    createKey(key) {
      insertKey.run(key)
      return Promise.resolve()
    },
    findKeyByHash: (hash) => Promise.resolve(maybe(selectKeyByHash.get(hash), toKey)),
    getKey: (id) => Promise.resolve(maybe(selectKey.get(id), toKey)),
    revokeKey: (id, at) => Promise.resolve(revokeKeyRow.run(at, id).changes === 1),
    listKeys: (siteId) =>
      Promise.resolve(
        (siteId === null ? selectInstanceKeys.all() : selectKeysOfSite.all(siteId)).map(toKey),
      ),

    insertEvents(events) {
      if (events.length === 0) return Promise.resolve([])
      // If the writer thread ever dies, the main connection takes over rather than fail every request.
      return writer?.alive()
        ? writer.insert(events.map(eventParams))
        : Promise.resolve(insertMany(events))
    },
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
    async close() {
      // The checkpointer's connection closes first, so the writer's close is the
      // last one and folds the WAL into the database file.
      await aggregation?.close()
      await writer?.close()
      await checkpointer?.close()
      if (db.open) db.close()
    },
  }
}

/** A unique-constraint failure on `sites` is a taken domain; anything else passes through. */
function siteConflict(error: unknown, domain: string | null): Error {
  if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new SiteExistsError(domain ?? '', 'domain')
  }
  return error instanceof Error ? error : new Error(String(error))
}

function maybe<R, T>(row: R | undefined, map: (r: R) => T): T | undefined {
  return row === undefined ? undefined : map(row)
}
