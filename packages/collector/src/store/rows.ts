import type { Goal, KeyRecord, Suppression } from './types'

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
