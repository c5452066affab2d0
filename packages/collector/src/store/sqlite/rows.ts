import type { Site, SiteSettings, StoredEvent } from '../types'
import { DEFAULT_SETTINGS } from '../types'
import { type EventColumns, eventFromRow } from '../rows'

/** Column order of `events`, shared by the insert statement and `eventParams`. */
export const EVENT_COLUMNS = [
  'site_id',
  'message_id',
  'type',
  'name',
  'anonymous_id',
  'user_id',
  'visitor_id',
  'timestamp',
  'received_at',
  'path',
  'url',
  'referrer',
  'properties',
  'traits',
  'context',
  'browser',
  'os',
  'device_type',
  'country',
  'source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'flags',
] as const

/** An `events` row: JSON columns as text. */
export type EventRow = EventColumns<string | null>

export interface SiteRow {
  id: string
  name: string
  timezone: string
  domain: string | null
  settings: string
  created_at: number
}

const json = (value: Record<string, unknown> | null) => (value ? JSON.stringify(value) : null)
const parse = (text: string | null) => (text ? (JSON.parse(text) as Record<string, unknown>) : null)

/** The insert parameters of an event, in `EVENT_COLUMNS` order. */
export function eventParams(e: StoredEvent): unknown[] {
  return [
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
    e.browser,
    e.os,
    e.deviceType,
    e.country,
    e.source,
    e.channel,
    e.utmSource,
    e.utmMedium,
    e.utmCampaign,
    e.utmTerm,
    e.utmContent,
    e.flags,
  ]
}

export const toEvent = (r: EventRow): StoredEvent => eventFromRow(r, parse)

export const toSite = (r: SiteRow): Site => ({
  id: r.id,
  name: r.name,
  timezone: r.timezone,
  domain: r.domain,
  settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(r.settings) as Partial<SiteSettings>) },
  createdAt: r.created_at,
})

export type { GoalRow, KeyRow, SuppressionRow } from '../rows'
export { toGoal, toKey, toSuppression } from '../rows'
