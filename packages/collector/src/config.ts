import { z } from 'zod'

/**
 * The collector's settings, read once at start. Every bad field is named in
 * one error so a deployment fails fast and says why.
 */
export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(8787),
  host: z.string().min(1).default('127.0.0.1'),
  dbPath: z.string().min(1).default('./data/pipit.db'),
  adminKey: z.string().min(16, 'must be at least 16 characters').optional(),
  sqliteSynchronous: z.enum(['full', 'normal']).default('full'),
  /** Largest request body accepted, bytes (Segment's own limit is 500 KB). */
  maxRequestBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(500 * 1024),
})

export type CollectorConfig = z.infer<typeof configSchema>

/** The part of the config `createApp` needs; the rest is for the Node entry. */
export type AppConfig = Pick<CollectorConfig, 'adminKey' | 'maxRequestBytes'>

export class ConfigError extends Error {
  constructor(readonly fields: string[]) {
    super(`invalid configuration: ${fields.join('; ')}`)
    this.name = 'ConfigError'
  }
}

const envNames: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  dbPath: 'PIPIT_DB',
  adminKey: 'PIPIT_ADMIN_KEY',
  sqliteSynchronous: 'PIPIT_SQLITE_SYNCHRONOUS',
  maxRequestBytes: 'PIPIT_MAX_REQUEST_BYTES',
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
