import type Database from 'better-sqlite3'
import type { AuditEntry, EventStore, Subject } from '../types'
import type { EventRow } from './rows'
import { toEvent } from './rows'
import type { Aggregator } from './aggregate'

interface Params {
  site: string
  users: string
  anons: string
}

type SubjectMethods = Pick<
  EventStore,
  | 'linkedIds'
  | 'subjectEvents'
  | 'eventPage'
  | 'countEvents'
  | 'deleteSubject'
  | 'anonymizeSubject'
  | 'purgeEvents'
  | 'appendAudit'
  | 'listAudit'
>

/** `@users` and `@anons` are JSON arrays of user ids and anonymous ids. */
const SUBJECT_WHERE = `site_id = @site AND (user_id IN (SELECT value FROM json_each(@users))
  OR anonymous_id IN (SELECT value FROM json_each(@anons)))`

/**
 * Data-subject queries (GDPR export, erasure) and retention, for the SQLite
 * adapter. They scan the site's events rather than use indexes on user and
 * anonymous ids: those would slow every insert for the sake of rare requests
 * (a scan of 1 M events takes well under a second).
 */
export function subjectMethods(db: Database.Database, aggregator: Aggregator): SubjectMethods {
  const links = db.prepare<
    [Params],
    { user_id: string | null; anonymous_id: string | null; previous: string | null }
  >(
    `SELECT DISTINCT user_id, anonymous_id,
            CASE WHEN type = 'alias' THEN json_extract(properties, '$.previousId') END AS previous
       FROM events
      WHERE ${SUBJECT_WHERE}
         OR (site_id = @site AND type = 'alias'
             AND (json_extract(properties, '$.previousId') IN (SELECT value FROM json_each(@users))
               OR json_extract(properties, '$.previousId') IN (SELECT value FROM json_each(@anons))))`,
  )
  const page = db.prepare<
    [Params & { extra: number; limit: number }],
    EventRow & { rowid: number }
  >(
    `SELECT rowid, * FROM events WHERE ${SUBJECT_WHERE} AND rowid > @extra ORDER BY rowid LIMIT @limit`,
  )
  const countSite = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM events WHERE site_id = ?',
  )
  const sitePage = db.prepare<[string, number, number], EventRow & { rowid: number }>(
    'SELECT rowid, * FROM events WHERE site_id = ? AND rowid > ? ORDER BY rowid LIMIT ?',
  )
  const remove = db.prepare<[Params]>(`DELETE FROM events WHERE ${SUBJECT_WHERE}`)
  const anonymize = db.prepare<[Params & { extra: string }]>(
    `UPDATE events SET user_id = NULL, anonymous_id = NULL, visitor_id = @extra, traits = NULL,
            context = NULL WHERE ${SUBJECT_WHERE}`,
  )
  const touched = db.prepare<[Params], { timestamp: number; visitor_id: string }>(
    `SELECT timestamp, visitor_id FROM events WHERE ${SUBJECT_WHERE}`,
  )
  const forgetVisitor = db.prepare('DELETE FROM agg_visitors WHERE site_id = ? AND visitor_id = ?')
  // Deleting the newest rows lets SQLite hand their rowids out again: keep the
  // aggregation's watermark below every rowid still to come.
  const lowerWatermark = db.prepare(
    `UPDATE agg_state SET value = MIN(value, (SELECT COALESCE(MAX(rowid), 0) FROM events))
      WHERE key = 'watermark'`,
  )
  /** Changes a subject's events and reopens the days they were in, in one transaction. */
  const rewrite = db.transaction((params: Params, change: () => number) => {
    const rows = touched.all(params)
    const changed = change()
    aggregator.markDirty(
      params.site,
      rows.map((r) => r.timestamp),
    )
    for (const id of new Set(rows.map((r) => r.visitor_id))) forgetVisitor.run(params.site, id)
    lowerWatermark.run()
    return changed
  })
  const purge = db.prepare<[string, number]>(
    'DELETE FROM events WHERE site_id = ? AND timestamp < ?',
  )
  const countOld = db.prepare<[string, number], { n: number }>(
    'SELECT COUNT(*) AS n FROM events WHERE site_id = ? AND timestamp < ?',
  )
  const insertAudit = db.prepare(
    `INSERT INTO audit (site_id, at, actor, action, subject_kind, subject_id, rows)
     VALUES (@siteId, @at, @actor, @action, @subjectKind, @subjectId, @rows)`,
  )
  const selectAudit = db.prepare<[string, number], Record<string, unknown>>(
    'SELECT * FROM audit WHERE site_id = ? ORDER BY id DESC LIMIT ?',
  )
  const args = (siteId: string, s: Subject): Params => ({
    site: siteId,
    users: JSON.stringify(s.userIds),
    anons: JSON.stringify(s.anonymousIds),
  })

  return {
    linkedIds(siteId, start) {
      const users = new Set(start.userId ? [start.userId] : [])
      const anons = new Set(start.anonymousId ? [start.anonymousId] : [])
      for (let size = -1; size !== users.size + anons.size;) {
        size = users.size + anons.size
        const ids = args(siteId, { userIds: [...users], anonymousIds: [...anons] })
        for (const row of links.all(ids)) {
          if (row.user_id) users.add(row.user_id)
          if (row.anonymous_id) anons.add(row.anonymous_id)
          // An alias's previous id may have been either kind of id.
          if (row.previous) {
            users.add(row.previous)
            anons.add(row.previous)
          }
        }
      }
      return Promise.resolve({ userIds: [...users].sort(), anonymousIds: [...anons].sort() })
    },
    subjectEvents(siteId, subject, cursor, limit) {
      // The cursor is the last rowid read, as a string: callers never look inside.
      const after = cursor === null ? 0 : Number(cursor)
      const rows = page.all({ ...args(siteId, subject), extra: after, limit })
      const next = rows.length === limit ? String(rows[rows.length - 1]!.rowid) : null
      return Promise.resolve({ events: rows.map(toEvent), next })
    },
    countEvents: (siteId) => Promise.resolve(countSite.get(siteId)!.n),
    eventPage(siteId, cursor, limit) {
      // As in subjectEvents: the last rowid read. New rows get higher rowids.
      const rows = sitePage.all(siteId, cursor === null ? 0 : Number(cursor), limit)
      const next = rows.length === limit ? String(rows[rows.length - 1]!.rowid) : null
      return Promise.resolve({ events: rows.map(toEvent), next })
    },
    deleteSubject(siteId, subject) {
      const params = args(siteId, subject)
      return Promise.resolve(rewrite(params, () => remove.run(params).changes))
    },
    anonymizeSubject(siteId, subject, visitorId) {
      const params = args(siteId, subject)
      return Promise.resolve(
        rewrite(params, () => anonymize.run({ ...params, extra: visitorId }).changes),
      )
    },
    // Purged raw events leave their days' rollups as they are: those outlive raw data.
    purgeEvents(siteId, before, dryRun) {
      if (dryRun) return Promise.resolve(countOld.get(siteId, before)!.n)
      const n = purge.run(siteId, before).changes
      aggregator.purgedBefore(siteId, before)
      lowerWatermark.run()
      return Promise.resolve(n)
    },
    appendAudit(entry) {
      insertAudit.run(entry)
      return Promise.resolve()
    },
    listAudit: (siteId, limit) =>
      Promise.resolve(
        selectAudit.all(siteId, limit).map((r): AuditEntry => ({
          siteId: r.site_id as string,
          at: r.at as number,
          actor: r.actor as string,
          action: r.action as AuditEntry['action'],
          subjectKind: r.subject_kind as AuditEntry['subjectKind'],
          subjectId: r.subject_id as string | null,
          rows: r.rows as number,
        })),
      ),
  }
}
