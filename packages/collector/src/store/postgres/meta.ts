import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { MetaStore, Site } from '../types'
import { DEFAULT_SETTINGS, SiteExistsError } from '../types'
import { QUARTER } from './events'
import type { AuditRow, GoalRow, KeyRow, SiteRow, SuppressionRow } from './rows'
import { toAudit, toGoal, toKey, toSite, toSuppression } from './rows'

/**
 * Sites, keys, suppressions, salts, goals and the audit log on PostgreSQL.
 * Every method is one statement (salts: two), so none holds a connection
 * longer than a round trip.
 */
export function metaMethods(pool: pg.Pool): MetaStore {
  const one = async <R extends pg.QueryResultRow>(sql: string, params: unknown[]) =>
    (await pool.query<R>(sql, params)).rows[0]
  const all = async <R extends pg.QueryResultRow>(sql: string, params: unknown[]) =>
    (await pool.query<R>(sql, params)).rows
  const changed = async (sql: string, params: unknown[]) =>
    ((await pool.query(sql, params)).rowCount ?? 0) > 0
  const getSite = async (id: string) =>
    maybe(await one<SiteRow>('SELECT * FROM sites WHERE id = $1', [id]), toSite)

  return {
    async createSite(site) {
      const settings = { ...DEFAULT_SETTINGS, ...site.settings }
      await pool
        .query(
          `INSERT INTO sites (id, name, timezone, domain, settings, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [site.id, site.name, site.timezone, site.domain, settings, site.createdAt],
        )
        .catch((error: unknown) => {
          throw siteConflict(error, site)
        })
    },
    getSite,
    findSiteByDomain: async (domain) =>
      maybe(await one<SiteRow>('SELECT * FROM sites WHERE domain = $1', [domain]), toSite),
    listSites: async () =>
      (await all<SiteRow>('SELECT * FROM sites ORDER BY created_at, id', [])).map(toSite),
    async updateSite(id, patch) {
      const current = await getSite(id)
      if (!current) return undefined
      const next = { ...current, ...patch, settings: { ...current.settings, ...patch.settings } }
      // Days are the site's local days: a new time zone redraws every one of
      // them, so every quarter hour with events is marked for the aggregation.
      const row = await pool
        .query<SiteRow>(
          `WITH updated AS (
             UPDATE sites SET name = $2, timezone = $3, domain = $4, settings = $5
              WHERE id = $1 RETURNING *
           ), marks AS (
             INSERT INTO agg_pending (site_id, quarter)
             SELECT DISTINCT site_id, ${QUARTER} FROM events WHERE site_id = $1 AND $6
              ORDER BY 1, 2
             ON CONFLICT DO NOTHING
           )
           SELECT * FROM updated`,
          [
            id,
            next.name,
            next.timezone,
            next.domain,
            next.settings,
            next.timezone !== current.timezone,
          ],
        )
        .catch((error: unknown) => {
          throw siteConflict(error, next)
        })
      return maybe(row.rows[0], toSite)
    },

    addSuppression: (e) =>
      changed(
        `INSERT INTO suppressions (site_id, kind, value, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [e.siteId, e.kind, e.value, e.createdAt],
      ),
    removeSuppression: (siteId, kind, value) =>
      changed('DELETE FROM suppressions WHERE site_id = $1 AND kind = $2 AND value = $3', [
        siteId,
        kind,
        value,
      ]),
    listSuppressions: async (siteId) =>
      (
        await all<SuppressionRow>(
          'SELECT * FROM suppressions WHERE site_id = $1 ORDER BY created_at, kind, value',
          [siteId],
        )
      ).map(toSuppression),

    async saltForDay(day, keepDays) {
      // Two statements, not one: a statement's snapshot would not see a salt
      // another caller committed while this INSERT waited on it. ON CONFLICT
      // DO NOTHING waits for that caller, then the SELECT (a new snapshot in
      // READ COMMITTED) reads its salt: every caller gets the same one.
      const created = await one<{ salt: Buffer }>(
        'INSERT INTO salts (day, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING salt',
        [day, randomBytes(32)],
      )
      const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - keepDays * 86_400_000)
      await pool.query('DELETE FROM salts WHERE day < $1', [cutoff.toISOString().slice(0, 10)])
      const salt =
        created?.salt ??
        (await one<{ salt: Buffer }>('SELECT salt FROM salts WHERE day = $1', [day]))?.salt
      if (!salt) throw new Error(`the salt of ${day} vanished (keepDays ${keepDays} < 0?)`)
      return new Uint8Array(salt)
    },

    async createKey(key) {
      await pool.query(
        `INSERT INTO keys (id, site_id, scope, hash, prefix, public_key, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          key.id,
          key.siteId,
          key.scope,
          key.hash,
          key.prefix,
          key.publicKey,
          key.createdAt,
          key.revokedAt,
        ],
      )
    },
    findKeyByHash: async (hash) =>
      maybe(await one<KeyRow>('SELECT * FROM keys WHERE hash = $1', [hash]), toKey),
    getKey: async (id) => maybe(await one<KeyRow>('SELECT * FROM keys WHERE id = $1', [id]), toKey),
    revokeKey: (id, at) =>
      changed('UPDATE keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at]),
    listKeys: async (siteId) =>
      (
        await all<KeyRow>(
          'SELECT * FROM keys WHERE site_id IS NOT DISTINCT FROM $1 ORDER BY created_at, seq',
          [siteId],
        )
      ).map(toKey),

    listGoals: async (siteId) =>
      (
        await all<GoalRow>('SELECT * FROM goals WHERE site_id = $1 ORDER BY created_at, id', [
          siteId,
        ])
      ).map(toGoal),
    async createGoal(goal) {
      await pool.query(
        `INSERT INTO goals (site_id, id, name, kind, value, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [goal.siteId, goal.id, goal.name, goal.kind, goal.value, goal.createdAt],
      )
    },
    deleteGoal: (siteId, id) =>
      changed('DELETE FROM goals WHERE site_id = $1 AND id = $2', [siteId, id]),

    async appendAudit(e) {
      await pool.query(
        `INSERT INTO audit (site_id, at, actor, action, subject_kind, subject_id, rows)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [e.siteId, e.at, e.actor, e.action, e.subjectKind, e.subjectId, e.rows],
      )
    },
    listAudit: async (siteId, limit) =>
      (
        await all<AuditRow>('SELECT * FROM audit WHERE site_id = $1 ORDER BY id DESC LIMIT $2', [
          siteId,
          limit,
        ])
      ).map(toAudit),
  }
}

/** A unique violation on `sites`: the id or the domain is taken (by its constraint's name). */
function siteConflict(error: unknown, site: Pick<Site, 'id' | 'domain'>): unknown {
  const e = error as { code?: string; constraint?: string }
  if (e.code !== '23505') return error
  return e.constraint === 'sites_domain'
    ? new SiteExistsError(site.domain ?? '', 'domain')
    : new SiteExistsError(site.id)
}

function maybe<R, T>(row: R | undefined, map: (r: R) => T): T | undefined {
  return row === undefined ? undefined : map(row)
}
