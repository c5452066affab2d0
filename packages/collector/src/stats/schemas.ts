import { INTERVALS } from '@pipit/protocol/schema'
import { z } from 'zod'
import { DIMENSIONS } from './visits'
import { MAX_RANGE_DAYS, rangeQueryShape } from './range'

/**
 * Request shapes of the stats API: routes validate with these and
 * `/openapi.json` is generated from them (the answers' schemas live in
 * `@pipit/protocol/schema`).
 */

const dimensionName = z
  .string()
  .refine(
    (d) => (DIMENSIONS as readonly string[]).includes(d) || /^prop:[^:\n]{1,100}$/.test(d),
    `expected one of ${DIMENSIONS.join(', ')} or prop:<key>`,
  )
  .meta({
    description: `One of ${DIMENSIONS.join(', ')}, or prop:<key> for a custom event property.`,
  })

export const filterSchema = z.object({
  dimension: dimensionName,
  op: z.enum(['is', 'is_not', 'contains']),
  value: z
    .string()
    .max(500)
    .refine((v) => !/[\n\t]/.test(v), 'no tabs or newlines')
    .nullable()
    .meta({ description: 'null (or an empty string in a query) means none, e.g. no referrer' }),
})

/**
 * `filter=<dimension>:<op>:<value>` query parameters; `prop:<key>` takes one
 * colon more. `source:is:Google`, `page:contains:/blog`, `prop:plan:is:pro`,
 * `referrer:is:` (no referrer).
 */
export function parseFilterParam(raw: string): unknown {
  const parts = raw.split(':')
  const dimension = parts[0] === 'prop' ? `prop:${parts[1] ?? ''}` : parts[0]!
  const rest = parts.slice(parts[0] === 'prop' ? 2 : 1)
  const value = rest.slice(1).join(':')
  return { dimension, op: rest[0], value: value === '' ? null : value }
}

const filtersParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().transform(parseFilterParam).pipe(filterSchema)).max(20))
  .meta({
    description:
      'Repeatable `dimension:op:value` (op: is, is_not, contains); all must hold. `prop:<key>:is:<value>` for event properties; an empty value means none.',
  })

const format = z
  .enum(['json', 'csv'])
  .default('json')
  .meta({ description: 'csv returns the table as text/csv' })

const goalParam = z
  .string()
  .min(1)
  .max(300)
  .optional()
  .meta({ description: 'A saved goal id, or an ad-hoc goal `event:<name>` / `page:<path>`' })

const statsShape = { ...rangeQueryShape, filter: filtersParam, format, goal: goalParam }

/** An object schema of query parameters whose `from` must not come after `to`. */
const rangeQuery = <S extends z.ZodRawShape>(shape: S) =>
  z.object(shape).refine((q) => (q as { from: string }).from <= (q as { to: string }).to, {
    message: 'from must not be after to',
    path: ['to'],
  })

export const statsQuerySchema = rangeQuery(statsShape)

export const timeseriesQuerySchema = rangeQuery({
  ...statsShape,
  interval: z.enum(INTERVALS).default('day'),
})

export const SORTABLE = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'bounceRate',
  'visitDuration',
  'conversions',
  'value',
] as const

export const breakdownQuerySchema = rangeQuery({
  ...statsShape,
  dimension: dimensionName,
  sort: z.enum(SORTABLE).default('visitors'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
})

export const realtimeQuerySchema = z.object({
  site: z.string().min(1).max(64),
  filter: filtersParam,
  format,
})

export const retentionQuerySchema = rangeQuery({
  ...statsShape,
  period: z.enum(['day', 'week', 'month']).default('week'),
  periods: z.coerce.number().int().min(1).max(90).default(12),
})

export const experimentQuerySchema = rangeQuery({
  ...statsShape,
  control: z.string().max(200).optional().meta({ description: "The control variant's name" }),
  weights: z
    .string()
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated numbers, in variant name order')
    .optional()
    .meta({ description: 'Planned traffic split for the sample-ratio check, e.g. 50,50' }),
})

const step = z.union([
  z.object({ page: z.string().min(1).max(500) }),
  z.object({
    event: z.string().min(1).max(200),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  }),
])

export const funnelBodySchema = z
  .object({
    site: z.string().min(1).max(64),
    from: z.iso.date(),
    to: z.iso.date(),
    steps: z.array(step).min(2).max(10),
    /** Conversion window in ms: every step must follow the first within it. */
    windowMs: z
      .number()
      .int()
      .min(1000)
      .max(90 * 86_400_000)
      .default(7 * 86_400_000),
    filters: z.array(filterSchema).max(20).default([]),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_RANGE_DAYS, {
    message: 'range too long',
    path: ['to'],
  })

export const goalBodySchema = z
  .object({
    name: z.string().min(1).max(120),
    event: z.string().min(1).max(200).optional(),
    page: z.string().min(1).max(500).optional(),
  })
  .refine((g) => (g.event === undefined) !== (g.page === undefined), {
    message: 'give exactly one of event or page',
  })
