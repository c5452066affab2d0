import type { Goal, KeyRecord, StoredEvent, Suppression } from './types'

/**
 * Metadata rows as every SQL adapter reads them (the same snake_case columns
 * in SQLite and PostgreSQL) and their contract types.
 */

export interface KeyRow {
  id: string
  site_id: string | null
  scope: KeyRecord['scope']
  hash: string
  prefix: string
  public_key: string | null
  created_at: number
  revoked_at: number | null
}

export const toKey = (r: KeyRow): KeyRecord => ({
  id: r.id,
  siteId: r.site_id,
  scope: r.scope,
  hash: r.hash,
  prefix: r.prefix,
  publicKey: r.public_key,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

export interface SuppressionRow {
  site_id: string
  kind: Suppression['kind']
  value: string
  created_at: number
}

export const toSuppression = (r: SuppressionRow): Suppression => ({
  siteId: r.site_id,
  kind: r.kind,
  value: r.value,
  createdAt: r.created_at,
})

export interface GoalRow {
  site_id: string
  id: string
  name: string
  kind: Goal['kind']
  value: string
  created_at: number
}

export const toGoal = (r: GoalRow): Goal => ({
  siteId: r.site_id,
  id: r.id,
  name: r.name,
  kind: r.kind,
  value: r.value,
  createdAt: r.created_at,
})

/**
 * An `events` row as every SQL adapter reads it. `J` is how the JSON columns
 * arrive: text in SQLite, parsed objects from PostgreSQL's jsonb.
 */
export interface EventColumns<J> {
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
  properties: J
  traits: J
  context: J
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

/** A stored event from its row; `json` reads the JSON columns as the adapter returns them. */
export function eventFromRow<J>(
  r: EventColumns<J>,
  json: (value: J) => Record<string, unknown> | null,
): StoredEvent {
  return {
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
    properties: json(r.properties),
    traits: json(r.traits),
    context: json(r.context),
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
  }
}
