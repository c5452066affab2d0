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
  /** Enrichment, filled by the collector at ingest (null when unknown). */
  browser: string | null
  os: string | null
  deviceType: string | null
  /** ISO 3166-1 alpha-2, from a trusted proxy header. */
  country: string | null
  /** Where the visit came from: utm_source, a known referrer's name, or the referrer host. */
  source: string | null
  /** direct, search, social, email, paid or referral. */
  channel: string | null
  utmSource: string | null
  utmMedium: string | null
  utmCampaign: string | null
  utmTerm: string | null
  utmContent: string | null
  /** Bit set of `EventFlag`. */
  flags: number
}

/** The enrichment fields of an event before anything is known (normalisation, tests). */
export const NO_ENRICHMENT = {
  browser: null,
  os: null,
  deviceType: null,
  country: null,
  source: null,
  channel: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmTerm: null,
  utmContent: null,
  flags: 0,
} as const satisfies Partial<StoredEvent>

/** Facts about an event worth keeping but not worth a column each. */
export const EventFlag = {
  /** The client's timestamp lay in the future and was clamped to the receive time. */
  clampedTimestamp: 1,
  /** The user agent is a bot's; stats leave these out. */
  bot: 2,
} as const

export type KeyScope = 'write' | 'read' | 'admin'

export interface Site {
  id: string
  name: string
  /** IANA time zone the site's days and hours are counted in. */
  timezone: string
  /** The site's host name (e.g. `shop.example.com`), used by Plausible- and Umami-style ingest. */
  domain: string | null
  settings: SiteSettings
  createdAt: number
}

/** Per-site ingest and privacy switches. */
export interface SiteSettings {
  /** Origins allowed to send browser events; empty: any origin. */
  allowedOrigins: string[]
  /** What to do with events from bots: keep them flagged (left out of stats) or drop them. */
  botPolicy: 'flag' | 'drop'
  /** Query parameters removed from stored URLs; null: the collector's privacy defaults. */
  stripQueryParams: string[] | null
  /** Drop events sent with `DNT: 1` or `Sec-GPC: 1` headers. */
  honorDoNotTrack: boolean
  /** Store no client ids: every visitor is counted by the daily-salted hash only. */
  cookieless: boolean
  /** Days raw events are kept. */
  retentionDays: number
  /** Days aggregated data is kept (applies to rollups). */
  rollupRetentionDays: number
}

export const DEFAULT_SETTINGS: SiteSettings = {
  allowedOrigins: [],
  botPolicy: 'flag',
  stripQueryParams: null,
  honorDoNotTrack: false,
  cookieless: false,
  retentionDays: 90,
  rollupRetentionDays: 730,
}

/** Every id that belongs to one data subject. */
export interface Subject {
  userIds: string[]
  anonymousIds: string[]
}

/** One line of the append-only audit log. Holds the subject id and nothing else personal. */
export interface AuditEntry {
  siteId: string
  at: number
  /** The key that acted (its id, never the secret), or `cli`, `scheduler`. */
  actor: string
  action: 'export' | 'delete' | 'anonymize' | 'opt-out' | 'opt-in' | 'purge'
  subjectKind: 'userId' | 'anonymousId' | null
  subjectId: string | null
  rows: number
}

/** A subject on a site's suppression list: its events are dropped at ingest. */
export interface Suppression {
  siteId: string
  kind: 'userId' | 'anonymousId'
  value: string
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

/** How a filter compares a dimension's value. `contains` ignores ASCII case. */
export type FilterOp = 'is' | 'is_not' | 'contains'

/**
 * One condition of a stats query. `dimension` is a visit or event dimension
 * (see `DIMENSIONS`) or `prop:<key>` for a custom event property. A null
 * value matches "none" (no referrer, no UTM...). Conditions combine with AND.
 */
export interface Filter {
  dimension: string
  op: FilterOp
  value: string | null
}

/** The local days `from`..`to` (inclusive, `YYYY-MM-DD`) of a site, with filters. */
export interface StatsQuery {
  siteId: string
  timezone: string
  from: string
  to: string
  filters: Filter[]
}

/** One value of a breakdown with its totals. */
export type BreakdownRow = Totals & { value: string | null; conversions: number | null }

/** What a breakdown can be ranked by: a metric as shown (rounded ratios), or the value itself. */
export type BreakdownSort =
  | 'visitors'
  | 'visits'
  | 'pageviews'
  | 'events'
  | 'bounceRate'
  | 'visitDuration'
  | 'conversions'
  | 'value'

/**
 * Which rows of a breakdown to return, as data: ranked by `sort` in `order`
 * (ties by value, ascending), then `offset` and `limit`. Every adapter ranks
 * with `stats/breakdown.ts`, so every store returns the same page.
 */
export interface BreakdownPage {
  sort: BreakdownSort
  order: 'asc' | 'desc'
  offset: number
  limit: number
}

/** Sums over visits; ratios are derived from these, never averaged. */
export interface Totals {
  /** Exact distinct visitors (a union of per-day sets, never a sum). */
  visitors: number
  visits: number
  pageviews: number
  events: number
  bounces: number
  /** Sum of visit durations, ms. */
  duration: number
}

/** A goal: a custom event name or a page path. */
export interface GoalSpec {
  kind: 'event' | 'page'
  value: string
}

export interface Goal extends GoalSpec {
  siteId: string
  id: string
  name: string
  createdAt: number
}

/** A funnel step: a page path or an event name, optionally with property conditions. */
export interface FunnelStep {
  kind: 'event' | 'page'
  value: string
  /** Custom event properties that must equal these values (events only). */
  properties?: Record<string, string | number | boolean>
}

export interface FunnelStepResult {
  visitors: number
  /** Median ms from the previous step (0 for the first). */
  medianMs: number | null
}

export interface RetentionCohort {
  /** First local day of the cohort's period. */
  cohort: string
  visitors: number
  /** Visitors of the cohort active in period 0, 1, ... N; null where the period has not begun. */
  active: (number | null)[]
}

export interface ExposureCounts {
  variant: string
  exposed: number
  conversions: number
}

/** An experiment seen in a range: its variants and the visitors exposed to any of them. */
export interface ExperimentSummary {
  id: string
  variants: string[]
  exposed: number
}

export interface RealtimeCounts {
  /** Distinct visitors with an event in the last 5 minutes. */
  visitors: number
  /** The last 30 minutes, oldest first. */
  minutes: { start: number; visitors: number; pageviews: number }[]
}

export interface AggregateProgress {
  done: number
  total: number
  siteId: string
  day: string
}

export interface AggregateResult {
  /** Raw events read past the watermark. */
  events: number
  /** Local days recomputed. */
  days: number
  /** Visits written. */
  visits: number
  ms: number
}

/**
 * Sites, keys, salts, suppressions, goals and the audit log: small rows,
 * read often, written rarely. SQLite or PostgreSQL.
 */
export interface MetaStore {
  createSite(site: Site): Promise<void>
  getSite(id: string): Promise<Site | undefined>
  /** The site whose `domain` is this host (lowercase, without `www.`). */
  findSiteByDomain(domain: string): Promise<Site | undefined>
  listSites(): Promise<Site[]>
  updateSite(
    id: string,
    patch: Partial<Pick<Site, 'name' | 'timezone' | 'domain' | 'settings'>>,
  ): Promise<Site | undefined>

  /** Adds a subject to the suppression list; true when it was not on it. */
  addSuppression(entry: Suppression): Promise<boolean>
  /** Removes a subject; true when it was on the list. */
  removeSuppression(siteId: string, kind: Suppression['kind'], value: string): Promise<boolean>
  listSuppressions(siteId: string): Promise<Suppression[]>

  /**
   * The secret salt of a UTC day (`YYYY-MM-DD`), created on first use; the
   * same for every caller. Salts older than `keepDays` are deleted so old
   * visitor hashes can never be recomputed.
   */
  saltForDay(day: string, keepDays: number): Promise<Uint8Array>

  createKey(key: KeyRecord): Promise<void>
  findKeyByHash(hash: string): Promise<KeyRecord | undefined>
  getKey(id: string): Promise<KeyRecord | undefined>
  /** Marks a key revoked at `at`; false when there is no such key or it was revoked already. */
  revokeKey(id: string, at: number): Promise<boolean>
  listKeys(siteId: string | null): Promise<KeyRecord[]>

  listGoals(siteId: string): Promise<Goal[]>
  createGoal(goal: Goal): Promise<void>
  deleteGoal(siteId: string, id: string): Promise<boolean>

  appendAudit(entry: AuditEntry): Promise<void>
  /** The newest entries first. */
  listAudit(siteId: string, limit: number): Promise<AuditEntry[]>
}

/**
 * The raw events: exact deduplication on (site, messageId), the subject
 * queries of the GDPR routes and retention. SQLite, PostgreSQL (and an
 * events database such as ClickHouse later).
 */
export interface EventLog {
  /**
   * Stores events, idempotently on (siteId, messageId). Resolves only after
   * the events are durably committed; a duplicate, also one earlier in the
   * same call, is reported as such and not stored again.
   */
  insertEvents(events: readonly StoredEvent[]): Promise<InsertOutcome[]>
  /**
   * Every id linked to a starting one: ids that appear together on an event
   * (identify, or any event with both) and alias `previousId`s, followed
   * until nothing new turns up.
   */
  linkedIds(siteId: string, start: { userId?: string; anonymousId?: string }): Promise<Subject>
  /**
   * A page of a subject's events in a stable order. `cursor` is null for the
   * first page, else the `next` of the page before: an opaque string only the
   * adapter reads. `next` is null after the last page.
   */
  subjectEvents(
    siteId: string,
    subject: Subject,
    cursor: string | null,
    limit: number,
  ): Promise<{ events: StoredEvent[]; next: string | null }>
  /** Deletes a subject's events; returns how many. */
  deleteSubject(siteId: string, subject: Subject): Promise<number>
  /** Keeps a subject's events for counting but drops ids, traits and context; returns how many. */
  anonymizeSubject(siteId: string, subject: Subject, visitorId: string): Promise<number>
  /** Deletes (or with `dryRun` counts) a site's raw events older than `before`. */
  purgeEvents(siteId: string, before: number, dryRun: boolean): Promise<number>
  /**
   * A page of every raw event of a site, in a stable order of the adapter's
   * choosing (`pipit migrate` copies a store this way): paging from a null
   * cursor until `next` is null returns each event stored throughout exactly
   * once; one added meanwhile may or may not appear (a re-run, deduplicated,
   * copies it). `cursor` is the `next` of the page before: an opaque string
   * only the adapter reads.
   */
  eventPage(
    siteId: string,
    cursor: string | null,
    limit: number,
  ): Promise<{ events: StoredEvent[]; next: string | null }>
  /** How many raw events a site holds (progress of `pipit migrate`). */
  countEvents(siteId: string): Promise<number>
  /** Raw events of a site in timestamp order (export, tests, rebuilds). */
  listEvents(siteId: string, options?: { limit?: number }): Promise<StoredEvent[]>
  overview(query: OverviewQuery): Promise<OverviewCounts>
}

/**
 * Rollups and every stats query. The analytics (visits, unions of visitor
 * sets, funnels, retention, exposures, ranking) live once in `stats/`;
 * an adapter supplies its dialect's reads and writes.
 */
export interface StatsStore {
  /**
   * Brings visits and rollups up to date: an incremental pass over new and
   * deleted events, or with `rebuild` every day that still has raw events.
   */
  aggregate(options?: {
    rebuild?: boolean
    siteId?: string
    onProgress?: (p: AggregateProgress) => void
  }): Promise<AggregateResult>
  /** True when events wait to be aggregated. */
  aggregationBehind(): Promise<boolean>
  statsTotals(q: StatsQuery, goal?: GoalSpec): Promise<Totals & { conversions: number | null }>
  statsTimeseries(
    q: StatsQuery,
    interval: 'hour' | 'day' | 'week' | 'month',
  ): Promise<Map<string, Totals>>
  /**
   * One page of a dimension's values with their totals, ranked as `page`
   * says, and how many values there are in all.
   */
  statsBreakdown(
    q: StatsQuery,
    dimension: string,
    goal: GoalSpec | undefined,
    page: BreakdownPage,
  ): Promise<{ total: number; rows: BreakdownRow[] }>
  statsRealtime(siteId: string, now: number, filters: Filter[]): Promise<RealtimeCounts>
  statsFunnel(q: StatsQuery, steps: FunnelStep[], windowMs: number): Promise<FunnelStepResult[]>
  statsRetention(
    q: StatsQuery,
    period: 'day' | 'week' | 'month',
    periods: number,
    today: string,
  ): Promise<RetentionCohort[]>
  statsExposures(q: StatsQuery, experimentId: string, goal: GoalSpec): Promise<ExposureCounts[]>
  /** Experiments with an exposure in the range, most exposed visitors first. */
  statsExperiments(q: StatsQuery): Promise<ExperimentSummary[]>
  /** Deletes (or with `dryRun` counts) visits and rollups of local days before `beforeDay`. */
  purgeRollups(siteId: string, beforeDay: string, dryRun: boolean): Promise<number>
}

/**
 * A complete store: what the collector is built on. `kind` names the
 * adapter(s), e.g. `sqlite` or `postgres`.
 */
export interface EventStore extends MetaStore, EventLog, StatsStore {
  /** Adapter name, e.g. `sqlite`. */
  readonly kind: string
  /** True when a write would succeed now (readiness probe). */
  isWritable(): Promise<boolean>
  close(): Promise<void>
}

/** Thrown by `createSite` and `updateSite` when the id or the domain is taken by another site. */
export class SiteExistsError extends Error {
  readonly code = 'site_exists'
  constructor(value: string, what: 'id' | 'domain' = 'id') {
    super(what === 'id' ? `site ${value} exists already` : `another site has the domain ${value}`)
    this.name = 'SiteExistsError'
  }
}
