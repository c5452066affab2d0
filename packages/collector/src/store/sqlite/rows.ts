import type { Site, SiteSettings, StoredEvent } from '../types'
import { DEFAULT_SETTINGS } from '../types'

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

export interface EventRow {
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
  browser: string | null
  os: string | null
  device_type: string | null
  country: string | null
  source: string | null
  channel: string | null
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_term: string | null
  utm_content: string | null
  flags: number
}

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

export const toEvent = (r: EventRow): StoredEvent => ({
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
  browser: r.browser,
  os: r.os,
  deviceType: r.device_type,
  country: r.country,
  source: r.source,
  channel: r.channel,
  utmSource: r.utm_source,
  utmMedium: r.utm_medium,
  utmCampaign: r.utm_campaign,
  utmTerm: r.utm_term,
  utmContent: r.utm_content,
  flags: r.flags,
})

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
