/**
 * The storage contract every adapter implements (SQLite now, server databases
 * later). Adapters keep their dialect SQL to themselves; everything above this
 * file speaks only these types. `conformance.ts` is the shared suite that
 * every adapter's test file runs first.
 */

/** Message types of the Segment spec. */
export type EventType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias'

/** One event as the collector stores it, after validation and enrichment. */
export interface StoredEvent {
  siteId: string
  messageId: string
  type: EventType
  /** `event` for track, `name` for page/screen, null otherwise. */
  name: string | null
  anonymousId: string | null
  userId: string | null
  /** Who counts as one visitor: the anonymous id, else the user id. */
  visitorId: string
  /** When it happened (ms since epoch, skew-corrected). */
  timestamp: number
  /** When the collector received it (ms since epoch). */
  receivedAt: number
  /** Page URL path, e.g. `/pricing`, for page views. */
  path: string | null
  url: string | null
  referrer: string | null
  properties: Record<string, unknown> | null
  traits: Record<string, unknown> | null
  context: Record<string, unknown> | null
}

export type KeyScope = 'write' | 'read' | 'admin'

export interface Site {
  id: string
  name: string
  /** IANA time zone the site's days and hours are counted in. */
  timezone: string
  createdAt: number
}

export interface KeyRecord {
  id: string
  /** null: an instance-wide key that reaches every site. */
  siteId: string | null
  scope: KeyScope
  /** sha256 of the key, hex. Secret keys are only ever stored like this. */
  hash: string
  /** The first characters, to tell keys apart in listings. */
  prefix: string
  /** Write keys are public (they sit in every page's source), so they are kept readable. */
  publicKey: string | null
  createdAt: number
  revokedAt: number | null
}

/** The outcome of one insert, in input order. */
export type InsertOutcome = 'inserted' | 'duplicate'

export interface OverviewQuery {
  siteId: string
  /** Inclusive start, ms since epoch. */
  fromMs: number
  /** Exclusive end, ms since epoch. */
  toMs: number
}

export interface OverviewCounts {
  /** Distinct visitors with any event in the range. */
  visitors: number
  /** Messages of type `page` (and `screen`, the app equivalent). */
  pageviews: number
  /** Custom events: messages of type `track`. */
  events: number
}

export interface EventStore {
  /** Adapter name, e.g. `sqlite`. */
  readonly kind: string

  createSite(site: Site): Promise<void>
  getSite(id: string): Promise<Site | undefined>
  listSites(): Promise<Site[]>

  createKey(key: KeyRecord): Promise<void>
  findKeyByHash(hash: string): Promise<KeyRecord | undefined>
  listKeys(siteId: string | null): Promise<KeyRecord[]>

  /**
   * Stores events, idempotently on (siteId, messageId). Resolves only after
   * the events are durably committed; a duplicate, also one earlier in the
   * same call, is reported as such and not stored again.
   */
  insertEvents(events: readonly StoredEvent[]): Promise<InsertOutcome[]>
  /** Raw events of a site in timestamp order (export, tests, rebuilds). */
  listEvents(siteId: string, options?: { limit?: number }): Promise<StoredEvent[]>
  overview(query: OverviewQuery): Promise<OverviewCounts>

  /** True when a write would succeed now (readiness probe). */
  isWritable(): Promise<boolean>
  close(): Promise<void>
}

/** Thrown by `createSite` when the id is taken. */
export class SiteExistsError extends Error {
  readonly code = 'site_exists'
  constructor(id: string) {
    super(`site ${id} exists already`)
    this.name = 'SiteExistsError'
  }
}
