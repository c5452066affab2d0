import { z } from 'zod'
import { type TrustProxy, parseTrustProxy } from './enrich/ip'
import { parseStoreLocation } from './store/location'

/**
 * The collector's settings, read once at start. Every bad field is named in
 * one error so a deployment fails fast and says why.
 */
export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(8787),
  host: z.string().min(1).default('127.0.0.1'),
  /** A SQLite file path (default) or a postgres:// URL; any other URL scheme is refused. */
  db: z
    .string()
    .min(1)
    .default('./data/pipit.db')
    .transform((value, ctx) => {
      const location = parseStoreLocation(value)
      if (typeof location === 'string') {
        ctx.addIssue({ code: 'custom', message: location })
        return z.NEVER
      }
      return location
    }),
  adminKey: z.string().min(16, 'must be at least 16 characters').optional(),
  sqliteSynchronous: z.enum(['full', 'normal']).default('normal'),
  /** Largest request body accepted, bytes (Segment's own limit is 500 KB). */
  maxRequestBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(500 * 1024),
  /**
   * Largest body of a JSON API request (stats funnel, goals, GDPR, keys,
   * sites), bytes: the biggest real one, a 20-step funnel, is under 8 KB.
   */
  maxApiBodyBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Largest single event, bytes (Segment's limit is 32 KB). */
  maxEventBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024),
  /**
   * Proxies trusted to name the client in X-Forwarded-For: false (none), a hop
   * count (true: 1) or addresses/CIDR ranges; see `parseTrustProxy`.
   */
  trustProxy: z
    .union([z.boolean(), z.number(), z.string()])
    .transform((v, ctx): TrustProxy => {
      try {
        return parseTrustProxy(v)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    })
    .default(false),
  /** A header a trusted proxy sets to the client's country, e.g. `cf-ipcountry`. */
  countryHeader: z.string().min(1).toLowerCase().optional(),
  /**
   * Where a first start writes the new secret keys when stdout is not a
   * terminal; default: next to a SQLite file, `./pipit.first-start-keys` for
   * PostgreSQL.
   */
  firstStartKeysFile: z.string().min(1).optional(),
  /** Ingest requests a second per site (bursts twice that); 0 turns the limit off. */
  rateLimitSite: z.coerce.number().min(0).default(1_000),
  /** Ingest requests a second per client network (/24, /48), all sites (bursts twice that); 0: off. */
  rateLimitClient: z.coerce.number().min(0).default(50),
  /**
   * Requests a minute per secret key on the stats, admin and GDPR routes
   * (bursts of as many); 0 turns the limit off. 60 is the seeds' "heavy
   * queries a minute per tenant": a dashboard view costs about ten.
   */
  rateLimitRead: z.coerce.number().min(0).default(60),
  /**
   * How long a stats request waits for events that are stored but not yet
   * aggregated, ms. Small sites' passes take milliseconds, so their answers
   * include events stored a moment before; beyond the wait, answers come
   * from the rollups as they are (the scheduler keeps them seconds behind).
   */
  statsFreshnessMs: z.coerce.number().int().min(0).default(250),
})

export type CollectorConfig = z.infer<typeof configSchema>

/** The part of the config `createApp` needs; the rest is for the Node entry. */
const appFields = [
  'adminKey',
  'maxRequestBytes',
  'maxEventBytes',
  'maxApiBodyBytes',
  'trustProxy',
  'countryHeader',
  'rateLimitSite',
  'rateLimitClient',
  'rateLimitRead',
  'statsFreshnessMs',
] as const

export type AppConfig = Pick<CollectorConfig, (typeof appFields)[number]>

/** The app config with every default filled in; pass overrides for what differs. */
export function appConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  const defaults = configSchema.parse({})
  const picked = Object.fromEntries(appFields.map((f) => [f, defaults[f]])) as AppConfig
  return { ...picked, ...overrides }
}

export class ConfigError extends Error {
  constructor(readonly fields: string[]) {
    super(`invalid configuration: ${fields.join('; ')}`)
    this.name = 'ConfigError'
  }
}

const envNames: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  db: 'PIPIT_DB',
  adminKey: 'PIPIT_ADMIN_KEY',
  sqliteSynchronous: 'PIPIT_SQLITE_SYNCHRONOUS',
  maxRequestBytes: 'PIPIT_MAX_REQUEST_BYTES',
  maxEventBytes: 'PIPIT_MAX_EVENT_BYTES',
  maxApiBodyBytes: 'PIPIT_MAX_API_BODY_BYTES',
  trustProxy: 'PIPIT_TRUST_PROXY',
  countryHeader: 'PIPIT_COUNTRY_HEADER',
  firstStartKeysFile: 'PIPIT_FIRST_START_KEYS_FILE',
  rateLimitSite: 'PIPIT_RATE_LIMIT_SITE',
  rateLimitClient: 'PIPIT_RATE_LIMIT_CLIENT',
  rateLimitRead: 'PIPIT_RATE_LIMIT_READ',
  statsFreshnessMs: 'PIPIT_STATS_FRESHNESS_MS',
}

/**
 * Parses the config from environment variables, with explicit overrides
 * (CLI flags) taking precedence.
 *
 * @example
 * const config = parseConfig(process.env, { port: 9000 })
 */
export function parseConfig(
  env: Record<string, string | undefined>,
  overrides: Partial<Record<keyof CollectorConfig, unknown>> = {},
): CollectorConfig {
  const input: Record<string, unknown> = {}
  for (const [field, name] of Object.entries(envNames)) {
    const value = env[name]
    if (value !== undefined && value !== '') input[field] = value
  }
  for (const [field, value] of Object.entries(overrides)) {
    if (value !== undefined) input[field] = value
  }
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const field = String(i.path[0] ?? '')
        return `${envNames[field] ?? field}: ${i.message}`
      }),
    )
  }
  return parsed.data
}
