import type {
  Breakdown,
  Experiment,
  ExperimentList,
  Funnel,
  Goal as GoalAnswer,
  Overview,
  Realtime,
  Retention,
  Timeseries,
} from '@pipit/protocol'
import { ErrorCode } from '@pipit/protocol'
import { stringify } from 'csv-stringify/sync'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { randomUUID } from 'node:crypto'
import { canAccess } from '../auth/resolver'
import { attachment, csvSafe } from '../download'
import { HttpError, validate } from '../errors'
import { isEventDimension } from '../stats/breakdown'
import { analyseExperiment } from '../stats/experiment-math'
import { metricsOf, round } from '../stats/metrics'
import { addDays, bucketsOf, daysBetween } from '../stats/tz'
import {
  breakdownQuerySchema,
  experimentQuerySchema,
  funnelBodySchema,
  goalBodySchema,
  realtimeQuerySchema,
  retentionQuerySchema,
  statsQuerySchema,
  timeseriesQuerySchema,
} from '../stats/schemas'
import type { BreakdownRow, Filter, GoalSpec, Site, StatsQuery, Totals } from '../store/types'
import type { AppDeps, AppEnv } from './env'

/** The period of the same length just before `from`..`to`. */
export function previousPeriod(from: string, to: string) {
  const days = daysBetween(from, to).length
  return { from: addDays(from, -days), to: addDays(from, -1) }
}

const relativeChange = (now: number | null, before: number | null) =>
  now === null || before === null || before === 0 ? null : round((now - before) / before)

/** A table as CSV (RFC 4180, header row) or JSON, as the `format` parameter asks. */
function table(
  c: Context,
  format: 'json' | 'csv',
  json: unknown,
  rows: Record<string, unknown>[],
  name: string,
) {
  if (format === 'json') return c.json(json)
  const columns = rows[0] ? Object.keys(rows[0]) : []
  // Cells from visitors' data (names, paths, sources) never start a spreadsheet formula.
  const cast = { boolean: (b: boolean) => String(b), string: csvSafe }
  const csv = stringify(rows, { header: true, columns, cast })
  return c.body(csv, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': attachment(`${name}.csv`),
  })
}

/** Query parameters: `filter` may repeat, every other one is taken once. */
function params(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(c.req.queries())) out[k] = k === 'filter' ? v : v[0]!
  return out
}

/** The stats API. Every route needs a read or admin key of the site it asks about. */
export function statsRoutes({ store, now, config }: AppDeps) {
  const app = new Hono<AppEnv>()
  const freshnessMs = config.statsFreshnessMs

  /**
   * Checks the key and the site. When events wait to be aggregated, starts
   * a pass and waits for it at most `statsFreshnessMs` (config): a small site's pass
   * takes milliseconds, so its answers include events stored a moment ago;
   * a big site answers from the rollups as they are (the scheduler keeps
   * them seconds behind ingest) instead of stalling the dashboard.
   */
  async function siteFor(c: Context<AppEnv>, siteId: string): Promise<Site> {
    if (!canAccess(c.get('principal'), siteId, 'read')) {
      throw new HttpError(403, ErrorCode.forbidden, 'this key cannot read that site')
    }
    const site = await store.getSite(siteId)
    if (!site) throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    if (freshnessMs > 0 && (await store.aggregationBehind())) {
      const pass = store.aggregate()
      let timer: NodeJS.Timeout | undefined
      // A failed pass is the scheduler's to log; the answer uses the rollups as they are.
      await Promise.race([
        pass.catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, freshnessMs))),
      ])
      clearTimeout(timer)
    }
    return site
  }

  /** A goal parameter: a saved goal's id, or `event:<name>` / `page:<path>`. */
  async function goalOf(siteId: string, raw: string | undefined): Promise<GoalSpec | undefined> {
    if (raw === undefined) return undefined
    const adHoc = /^(event|page):(.+)$/s.exec(raw)
    if (adHoc) return { kind: adHoc[1] as GoalSpec['kind'], value: adHoc[2]! }
    const goal = (await store.listGoals(siteId)).find((g) => g.id === raw)
    if (!goal) throw new HttpError(404, ErrorCode.notFound, `no goal ${raw} on this site`)
    return goal
  }

  const query = (site: Site, from: string, to: string, filters: Filter[]): StatsQuery => ({
    siteId: site.id,
    timezone: site.timezone,
    from,
    to,
    filters,
  })

  app.get('/v1/stats/overview', async (c) => {
    const q = validate(statsQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    const before = previousPeriod(q.from, q.to)
    const [current, previous] = await Promise.all([
      store.statsTotals(query(site, q.from, q.to, q.filter)),
      store.statsTotals(query(site, before.from, before.to, q.filter)),
    ])
    const m = metricsOf(current)
    const p = metricsOf(previous)
    const goals = []
    for (const goal of await store.listGoals(site.id)) {
      const [a, b] = await Promise.all([
        store.statsTotals(query(site, q.from, q.to, q.filter), goal),
        store.statsTotals(query(site, before.from, before.to, q.filter), goal),
      ])
      goals.push({
        id: goal.id,
        name: goal.name,
        visitors: a.conversions ?? 0,
        conversionRate: a.visitors ? round((a.conversions ?? 0) / a.visitors) : null,
        previousVisitors: b.conversions ?? 0,
      })
    }
    const change = Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k, relativeChange(v, p[k as keyof typeof p])]),
    )
    const json: Overview = {
      site: site.id,
      from: q.from,
      to: q.to,
      timezone: site.timezone,
      uniques: 'exact' as const,
      ...m,
      previous: { ...before, ...p },
      change,
      goals,
    }
    return table(c, q.format, json, [{ from: q.from, to: q.to, ...m }], 'overview')
  })

  app.get('/v1/stats/timeseries', async (c) => {
    const q = validate(timeseriesQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    if (q.interval === 'hour' && daysBetween(q.from, q.to).length > 93) {
      throw new HttpError(400, ErrorCode.invalidQuery, 'hourly series cover at most 93 days')
    }
    const found = await store.statsTimeseries(query(site, q.from, q.to, q.filter), q.interval)
    const results = bucketsOf(q.from, q.to, q.interval, site.timezone).map((b) => ({
      date: b.key,
      ...metricsOf(found.get(b.key) ?? EMPTY),
    }))
    const json: Timeseries = { interval: q.interval, timezone: site.timezone, results }
    return table(c, q.format, json, results, 'timeseries')
  })

  app.get('/v1/stats/breakdown', async (c) => {
    const q = validate(breakdownQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    const goal = await goalOf(site.id, q.goal)
    const perEvent = isEventDimension(q.dimension)
    const present = (r: BreakdownRow) => ({
      value: r.value,
      ...metricsOf(r),
      // Bounce and duration describe whole visits, not a page or event inside one.
      ...(perEvent ? { bounceRate: null, visitDuration: null } : {}),
      ...(goal
        ? {
            conversions: r.conversions ?? 0,
            conversionRate: r.visitors ? round((r.conversions ?? 0) / r.visitors) : null,
          }
        : {}),
    })
    const { total, rows } = await store.statsBreakdown(
      query(site, q.from, q.to, q.filter),
      q.dimension,
      goal,
      { sort: q.sort, order: q.order, offset: (q.page - 1) * q.limit, limit: q.limit },
    )
    const page = rows.map(present)
    const json: Breakdown = {
      dimension: q.dimension,
      total,
      page: q.page,
      limit: q.limit,
      results: page,
    }
    return table(c, q.format, json, page, `breakdown-${q.dimension.replace(/\W/g, '_')}`)
  })

  app.get('/v1/stats/realtime', async (c) => {
    const q = validate(realtimeQuerySchema, params(c), ErrorCode.invalidQuery, 'expected site')
    if (!canAccess(c.get('principal'), q.site, 'read')) {
      throw new HttpError(403, ErrorCode.forbidden, 'this key cannot read that site')
    }
    if (!(await store.getSite(q.site))) {
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${q.site}`)
    }
    const counts = await store.statsRealtime(q.site, now(), q.filter)
    const minutes = counts.minutes.map((m) => ({ ...m, start: new Date(m.start).toISOString() }))
    const json: Realtime = { visitors: counts.visitors, minutes }
    return table(c, q.format, json, minutes, 'realtime')
  })

  app.post('/v1/stats/funnel', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, ErrorCode.invalidJson, 'the body is not JSON')
    })
    const f = validate(funnelBodySchema, body, ErrorCode.invalidBody, 'expected a funnel')
    const site = await siteFor(c, f.site)
    const steps = f.steps.map((s) =>
      'page' in s
        ? { kind: 'page' as const, value: s.page }
        : {
            kind: 'event' as const,
            value: s.event,
            ...(s.properties ? { properties: s.properties } : {}),
          },
    )
    const found = await store.statsFunnel(query(site, f.from, f.to, f.filters), steps, f.windowMs)
    const first = found[0]?.visitors ?? 0
    const results = found.map((r, i) => {
      const prev = i === 0 ? r.visitors : found[i - 1]!.visitors
      return {
        step: i + 1,
        kind: steps[i]!.kind,
        value: steps[i]!.value,
        visitors: r.visitors,
        conversionFromPrevious: prev ? round(r.visitors / prev) : null,
        conversionFromStart: first ? round(r.visitors / first) : null,
        dropOff: prev - r.visitors,
        medianTimeToConvertMs: r.medianMs,
      }
    })
    const format = c.req.query('format') === 'csv' ? 'csv' : 'json'
    const json: Funnel = { windowMs: f.windowMs, steps: results }
    return table(c, format, json, results, 'funnel')
  })

  app.get('/v1/stats/retention', async (c) => {
    const q = validate(retentionQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    const today = new Date(now()).toLocaleDateString('sv-SE', { timeZone: site.timezone })
    const cohorts = await store.statsRetention(
      query(site, q.from, q.to, q.filter),
      q.period,
      q.periods,
      today,
    )
    const results = cohorts.map((co) => ({
      cohort: co.cohort,
      visitors: co.visitors,
      retention: co.active.map((n, k) => ({
        period: k,
        visitors: n,
        share: n === null || co.visitors === 0 ? null : round(n / co.visitors),
      })),
    }))
    const rows = results.map((r) => ({
      cohort: r.cohort,
      visitors: r.visitors,
      ...Object.fromEntries(r.retention.map((x) => [`period_${x.period}`, x.share])),
    }))
    const json: Retention = {
      period: q.period,
      periods: q.periods,
      timezone: site.timezone,
      cohorts: results,
    }
    return table(c, q.format, json, rows, 'retention')
  })

  app.get('/v1/stats/experiments', async (c) => {
    const q = validate(statsQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    const experiments = await store.statsExperiments(query(site, q.from, q.to, q.filter))
    const rows = experiments.map((e) => ({ ...e, variants: e.variants.join('|') }))
    const json: ExperimentList = { from: q.from, to: q.to, experiments }
    return table(c, q.format, json, rows, 'experiments')
  })

  app.get('/v1/stats/experiments/:id', async (c) => {
    const q = validate(experimentQuerySchema, params(c), ErrorCode.invalidQuery, BAD_RANGE)
    const site = await siteFor(c, q.site)
    const goal = await goalOf(site.id, q.goal)
    if (!goal) throw new HttpError(400, ErrorCode.invalidQuery, 'goal is required')
    const id = c.req.param('id')
    const counts = await store.statsExposures(query(site, q.from, q.to, q.filter), id, goal)
    const weights = q.weights?.split(',').map(Number)
    if (weights && weights.length !== counts.length) {
      throw new HttpError(400, ErrorCode.invalidQuery, `weights: expected ${counts.length} numbers`)
    }
    if (
      q.control !== undefined &&
      counts.length > 0 &&
      !counts.some((v) => v.variant === q.control)
    ) {
      throw new HttpError(400, ErrorCode.invalidQuery, `control: no variant named ${q.control}`)
    }
    if (weights?.some((w) => !(w > 0))) {
      throw new HttpError(400, ErrorCode.invalidQuery, 'weights: every weight must be above 0')
    }
    const analysis = analyseExperiment(
      counts.map((v, i) => ({
        name: v.variant,
        exposed: v.exposed,
        conversions: v.conversions,
        ...(weights ? { weight: weights[i]! } : {}),
      })),
      q.control,
    )
    const json: Experiment = { experiment: id, goal, from: q.from, to: q.to, ...analysis }
    // CSV: one flat row per variant, the interval as two columns.
    const rows = analysis.variants.map(({ interval, ...v }) => ({
      ...v,
      intervalLow: interval?.low ?? null,
      intervalHigh: interval?.high ?? null,
    }))
    return table(c, q.format, json, rows, `experiment-${id}`)
  })

  app.get('/v1/stats/goals', async (c) => {
    const siteId = c.req.query('site') ?? ''
    const site = await siteFor(c, siteId)
    const goals: GoalAnswer[] = await store.listGoals(site.id)
    return c.json({ goals })
  })

  app.post('/v1/stats/goals', async (c) => {
    const siteId = c.req.query('site') ?? ''
    if (!canAccess(c.get('principal'), siteId, 'admin')) {
      throw new HttpError(403, ErrorCode.forbidden, 'goals are saved with an admin key of the site')
    }
    const body: unknown = await c.req.json().catch(() => {
      throw new HttpError(400, ErrorCode.invalidJson, 'the body is not JSON')
    })
    const g = validate(
      goalBodySchema,
      body,
      ErrorCode.invalidBody,
      'expected name and event or page',
    )
    if (!(await store.getSite(siteId)))
      throw new HttpError(404, ErrorCode.siteNotFound, `no site ${siteId}`)
    const goal = {
      siteId,
      id: randomUUID(),
      name: g.name,
      kind: g.event !== undefined ? ('event' as const) : ('page' as const),
      value: (g.event ?? g.page)!,
      createdAt: now(),
    }
    await store.createGoal(goal)
    return c.json(goal, 201)
  })

  app.delete('/v1/stats/goals/:id', async (c) => {
    const siteId = c.req.query('site') ?? ''
    if (!canAccess(c.get('principal'), siteId, 'admin')) {
      throw new HttpError(
        403,
        ErrorCode.forbidden,
        'goals are removed with an admin key of the site',
      )
    }
    if (!(await store.deleteGoal(siteId, c.req.param('id')))) {
      throw new HttpError(404, ErrorCode.notFound, 'no such goal')
    }
    return c.body(null, 204)
  })

  return app
}

const BAD_RANGE = 'expected site, from and to (YYYY-MM-DD) and valid options'

const EMPTY: Totals = { visitors: 0, visits: 0, pageviews: 0, events: 0, bounces: 0, duration: 0 }
