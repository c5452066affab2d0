import pg from 'pg'
import type { AuditEntry, Site, StoredEvent } from '../types'
import { DEFAULT_SETTINGS } from '../types'
import { type EventColumns, eventFromRow } from '../rows'

/**
 * Type parsers of the adapter's pools: `bigint` (timestamps in ms, counts)
 * as a JavaScript number. node-postgres returns it as a string by default,
 * for values above 2^53; no timestamp or count here comes near that.
 * Per pool, so other users of `pg` in the process keep the default.
 */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: (id, format): unknown =>
    id === pg.types.builtins.INT8 ? Number : (pg.types.getTypeParser(id, format) as unknown),
}

/** The columns of `events` in order, and the same fields of `StoredEvent`. */
export const EVENT_FIELDS = [
  ['site_id', 'siteId', 'text'],
  ['message_id', 'messageId', 'text'],
  ['type', 'type', 'text'],
  ['name', 'name', 'text'],
  ['anonymous_id', 'anonymousId', 'text'],
  ['user_id', 'userId', 'text'],
  ['visitor_id', 'visitorId', 'text'],
  ['timestamp', 'timestamp', 'bigint'],
  ['received_at', 'receivedAt', 'bigint'],
  ['path', 'path', 'text'],
  ['url', 'url', 'text'],
  ['referrer', 'referrer', 'text'],
  ['properties', 'properties', 'jsonb'],
  ['traits', 'traits', 'jsonb'],
  ['context', 'context', 'jsonb'],
  ['browser', 'browser', 'text'],
  ['os', 'os', 'text'],
  ['device_type', 'deviceType', 'text'],
  ['country', 'country', 'text'],
  ['source', 'source', 'text'],
  ['channel', 'channel', 'text'],
  ['utm_source', 'utmSource', 'text'],
  ['utm_medium', 'utmMedium', 'text'],
  ['utm_campaign', 'utmCampaign', 'text'],
  ['utm_term', 'utmTerm', 'text'],
  ['utm_content', 'utmContent', 'text'],
  ['flags', 'flags', 'integer'],
] as const satisfies readonly (readonly [string, keyof StoredEvent, string])[]

/** The events' column list, e.g. for `SELECT ${EVENT_COLUMNS} FROM events`. */
export const EVENT_COLUMNS = EVENT_FIELDS.map(([column]) => column).join(', ')

/** An `events` row: jsonb columns arrive parsed. */
export type EventRow = EventColumns<Record<string, unknown> | null>

export const toEvent = (r: EventRow): StoredEvent => eventFromRow(r, (json) => json)

export interface SiteRow {
  id: string
  name: string
  timezone: string
  domain: string | null
  settings: Partial<Site['settings']>
  created_at: number
}

export const toSite = (r: SiteRow): Site => ({
  id: r.id,
  name: r.name,
  timezone: r.timezone,
  domain: r.domain,
  settings: { ...DEFAULT_SETTINGS, ...r.settings },
  createdAt: r.created_at,
})

export interface AuditRow {
  site_id: string
  at: number
  actor: string
  action: AuditEntry['action']
  subject_kind: AuditEntry['subjectKind']
  subject_id: string | null
  rows: number
}

export const toAudit = (r: AuditRow): AuditEntry => ({
  siteId: r.site_id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subjectKind: r.subject_kind,
  subjectId: r.subject_id,
  rows: r.rows,
})

export type { GoalRow, KeyRow, SuppressionRow } from '../rows'
export { toGoal, toKey, toSuppression } from '../rows'
