import { z } from 'zod'

/**
 * zod schemas of the stats API's answers (docs/stats.md): the collector's
 * routes build answers of these types, its OpenAPI document is generated
 * from them, a test checks every route's JSON against them, and the
 * dashboard reads the same types. Types come from the main entry
 * (`import type { Overview } from '@pipit/protocol'`), zod-free.
 */

const rate = z.number().nullable()

export const metricsSchema = z.object({
  visitors: z.number().meta({ description: 'Distinct visitors (exact)' }),
  visits: z.number(),
  pageviews: z.number(),
  events: z.number().meta({ description: 'Custom events' }),
  bounceRate: rate.meta({ description: 'Bounced visits / visits, 0..1; null without visits' }),
  visitDuration: rate.meta({ description: 'Sum of visit durations / visits, seconds' }),
  viewsPerVisit: rate,
})

export const INTERVALS = ['hour', 'day', 'week', 'month'] as const

export const overviewSchema = z.object({
  site: z.string(),
  from: z.string(),
  to: z.string(),
  timezone: z.string(),
  uniques: z.literal('exact'),
  ...metricsSchema.shape,
  previous: z.object({ from: z.string(), to: z.string(), ...metricsSchema.shape }),
  change: z.record(z.string(), z.number().nullable()).meta({
    description: 'Relative change of each metric against the previous period; null from zero',
  }),
  goals: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      visitors: z.number(),
      conversionRate: rate,
      previousVisitors: z.number(),
    }),
  ),
})

export const timeseriesSchema = z.object({
  interval: z.enum(INTERVALS),
  timezone: z.string(),
  results: z.array(z.object({ date: z.string(), ...metricsSchema.shape })),
})

export const breakdownRowSchema = z.object({
  value: z.string().nullable(),
  ...metricsSchema.shape,
  conversions: z.number().optional(),
  conversionRate: rate.optional(),
})

export const breakdownSchema = z.object({
  dimension: z.string(),
  total: z.number().meta({ description: 'Rows before paging' }),
  page: z.number(),
  limit: z.number(),
  results: z.array(breakdownRowSchema),
})

export const realtimeSchema = z.object({
  visitors: z.number().meta({ description: 'Distinct visitors in the last 5 minutes' }),
  minutes: z.array(z.object({ start: z.string(), visitors: z.number(), pageviews: z.number() })),
})

export const funnelStepResultSchema = z.object({
  step: z.number(),
  kind: z.enum(['page', 'event']),
  value: z.string(),
  visitors: z.number(),
  conversionFromPrevious: rate,
  conversionFromStart: rate,
  dropOff: z.number(),
  medianTimeToConvertMs: z.number().nullable(),
})

export const funnelSchema = z.object({
  windowMs: z.number(),
  steps: z.array(funnelStepResultSchema),
})

export const retentionSchema = z.object({
  period: z.enum(['day', 'week', 'month']),
  periods: z.number(),
  timezone: z.string(),
  cohorts: z.array(
    z.object({
      cohort: z.string().meta({ description: "The first local day of the cohort's period" }),
      visitors: z.number(),
      retention: z.array(
        z.object({ period: z.number(), visitors: z.number().nullable(), share: rate }),
      ),
    }),
  ),
})

export const experimentSummarySchema = z.object({
  id: z.string(),
  variants: z.array(z.string()),
  exposed: z.number(),
})

export const experimentListSchema = z.object({
  from: z.string(),
  to: z.string(),
  experiments: z.array(experimentSummarySchema),
})

const intervalSchema = z.object({ low: z.number(), high: z.number() })

export const experimentSchema = z.object({
  experiment: z.string(),
  goal: z.object({
    kind: z.enum(['event', 'page']),
    value: z.string(),
    id: z.string().optional().meta({ description: 'Set when a saved goal was asked for' }),
    name: z.string().optional(),
    siteId: z.string().optional(),
    createdAt: z.number().optional(),
  }),
  from: z.string(),
  to: z.string(),
  control: z.string(),
  confidence: z.number(),
  alpha: z.number(),
  variants: z.array(
    z.object({
      name: z.string(),
      exposed: z.number(),
      conversions: z.number(),
      conversionRate: z.number(),
      interval: intervalSchema.nullable(),
      liftVsControl: rate,
      pValue: rate,
      significant: z.boolean(),
    }),
  ),
  srm: z.object({
    expected: z.array(z.object({ name: z.string(), share: z.number() })),
    chiSquare: z.number(),
    pValue: rate,
    mismatch: z.boolean(),
  }),
  verdict: z.enum(['control', 'treatment', 'inconclusive']),
  winner: z.string().nullable(),
})

export const goalSchema = z.object({
  siteId: z.string(),
  id: z.string(),
  name: z.string(),
  kind: z.enum(['event', 'page']),
  value: z.string(),
  createdAt: z.number(),
})

export const goalListSchema = z.object({ goals: z.array(goalSchema) })

export type Metrics = z.infer<typeof metricsSchema>
export type Interval = (typeof INTERVALS)[number]
export type Overview = z.infer<typeof overviewSchema>
export type Timeseries = z.infer<typeof timeseriesSchema>
export type BreakdownRow = z.infer<typeof breakdownRowSchema>
export type Breakdown = z.infer<typeof breakdownSchema>
export type Realtime = z.infer<typeof realtimeSchema>
export type FunnelStepResult = z.infer<typeof funnelStepResultSchema>
export type Funnel = z.infer<typeof funnelSchema>
export type Retention = z.infer<typeof retentionSchema>
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>
export type ExperimentList = z.infer<typeof experimentListSchema>
export type Experiment = z.infer<typeof experimentSchema>
export type Goal = z.infer<typeof goalSchema>
