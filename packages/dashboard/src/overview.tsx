import { useMemo } from 'preact/hooks'
import { getJson, type Interval, type Overview, type Timeseries } from './api'
import { axis, UChart, uPlot } from './chart'
import { csvName, useCtx } from './context'
import { defaultInterval, intervalsFor } from './dates'
import { fmtChange, fmtCount, fmtDuration, fmtInt, fmtPct } from './format'
import { Breakdowns } from './breakdown'
import type { Metric } from './state'
import { CsvButton, ErrorBox, InstallHint, Panel, Skeleton, useLoad } from './ui'

const KPIS: { key: Metric; label: string; format: (n: number | null) => string; lower?: true }[] = [
  { key: 'visitors', label: 'Visitors', format: fmtCount },
  { key: 'visits', label: 'Visits', format: fmtCount },
  { key: 'pageviews', label: 'Pageviews', format: fmtCount },
  { key: 'bounceRate', label: 'Bounce rate', format: fmtPct, lower: true },
  { key: 'visitDuration', label: 'Visit duration', format: fmtDuration },
]

const INTERVAL_LABELS: Record<Interval, string> = {
  hour: 'Hours',
  day: 'Days',
  week: 'Weeks',
  month: 'Months',
}

export function OverviewTab() {
  const ctx = useCtx()
  const { params } = ctx
  const overview = useLoad(JSON.stringify(params), (signal) =>
    getJson<Overview>('/v1/stats/overview', params, signal),
  )
  const o = overview.data
  const noData =
    o !== undefined &&
    o.visitors === 0 &&
    o.previous.visitors === 0 &&
    ctx.view.filters.length === 0
  return (
    <>
      <section aria-label="Key figures" aria-busy={overview.loading ? 'true' : 'false'}>
        {overview.error ? (
          <ErrorBox error={overview.error} />
        ) : (
          <div class="kpis" data-testid="kpis">
            {KPIS.map((k) => (
              <Kpi key={k.key} spec={k} overview={o} />
            ))}
          </div>
        )}
      </section>
      {noData ? (
        <div class="panel">
          <InstallHint />
        </div>
      ) : (
        <>
          <TimeseriesPanel />
          <Breakdowns />
        </>
      )}
    </>
  )
}

function Kpi({ spec, overview }: { spec: (typeof KPIS)[number]; overview: Overview | undefined }) {
  const ctx = useCtx()
  const value = overview?.[spec.key] ?? null
  const change = overview?.change[spec.key] ?? null
  const tone = change == null || change === 0 ? '' : change > 0 !== !!spec.lower ? 'good' : 'bad'
  const selected = ctx.view.metric === spec.key
  return (
    <button
      type="button"
      class="kpi"
      aria-pressed={selected}
      data-kpi={spec.key}
      onClick={() => ctx.navigate({ metric: spec.key }, { replace: true })}
      title={`Chart ${spec.label.toLowerCase()}`}
    >
      <span class="label">{spec.label}</span>
      {overview ? (
        <>
          <span class="value" data-value={value ?? ''}>
            {spec.format(value)}
          </span>
          <span class={`change ${tone}`}>
            {fmtChange(change)} <span class="sr-only">versus the previous period</span>
            <span aria-hidden="true"> vs previous</span>
          </span>
        </>
      ) : (
        <>
          <span class="skeleton" style={{ height: '28px', width: '70%' }} aria-hidden="true" />
          <span class="sr-only">Loading</span>
        </>
      )}
    </button>
  )
}

/** Bucket keys to chart x values (seconds): local days at UTC midnight, hours as instants. */
const toX = (date: string) => Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date) / 1000

function TimeseriesPanel() {
  const ctx = useCtx()
  const { view } = ctx
  const allowed = intervalsFor(ctx.from, ctx.to)
  const interval =
    view.interval && allowed.includes(view.interval)
      ? view.interval
      : defaultInterval(ctx.from, ctx.to)
  const params = { ...ctx.params, interval }
  const prevParams = { ...params, from: ctx.prev.from, to: ctx.prev.to }
  const series = useLoad(JSON.stringify([params, view.compare]), async (signal) => {
    const [now, before] = await Promise.all([
      getJson<Timeseries>('/v1/stats/timeseries', params, signal),
      view.compare
        ? getJson<Timeseries>('/v1/stats/timeseries', prevParams, signal)
        : Promise.resolve(undefined),
    ])
    return { now, before }
  })
  const metric = view.metric
  const kpi = KPIS.find((k) => k.key === metric)!
  const data = useMemo((): uPlot.AlignedData | undefined => {
    const s = series.data
    if (!s) return undefined
    const xs = s.now.results.map((r) => toX(r.date))
    const ys = s.now.results.map((r) => r[metric])
    if (!s.before) return [xs, ys]
    return [xs, ys, s.now.results.map((_, i) => s.before!.results[i]?.[metric] ?? null)]
  }, [series.data, metric])
  const hourly = interval === 'hour'
  const tz = hourly ? ctx.site.timezone : 'UTC'
  const total = series.data?.now.results.reduce((n, r) => n + (r[metric] ?? 0), 0)

  return (
    <Panel
      id="timeseries"
      title={kpi.label}
      busy={series.loading}
      actions={
        <>
          <label class="inline small">
            <span class="sr-only">Interval</span>
            <select
              class="small"
              value={interval}
              aria-label="Interval"
              onChange={(e) =>
                ctx.navigate({ interval: (e.target as HTMLSelectElement).value as Interval })
              }
            >
              {allowed.map((i) => (
                <option key={i} value={i}>
                  {INTERVAL_LABELS[i]}
                </option>
              ))}
            </select>
          </label>
          <CsvButton
            path="/v1/stats/timeseries"
            params={params}
            filename={csvName(ctx, `timeseries-${interval}`)}
            label="the time series"
          />
        </>
      }
    >
      {series.error ? (
        <ErrorBox error={series.error} />
      ) : !data ? (
        <Skeleton lines={1} height={240} />
      ) : (
        <UChart
          label={`${kpi.label} by ${interval}${
            metric === 'visitors' || metric === 'visits' || metric === 'pageviews'
              ? `: ${fmtInt(total)} in total`
              : ''
          }`}
          height={260}
          data={data}
          deps={[ctx.theme, metric, tz, data.length]}
          options={(c) => ({
            tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
            cursor: { drag: { x: false, y: false } },
            legend: { show: data.length > 2 },
            scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
            axes: [
              axis(c),
              axis(c, {
                size: 56,
                values: (_u, splits) => splits.map((v) => kpi.format(v)),
              }),
            ],
            series: [
              {},
              {
                label: kpi.label,
                stroke: c.accent,
                width: 2,
                fill: c.bar,
                points: { show: data[0].length < 40 },
                value: (_u, v) => kpi.format(v),
              },
              ...(data.length > 2
                ? [
                    {
                      label: 'Previous period',
                      stroke: c.compare,
                      width: 1.5,
                      dash: [5, 4],
                      points: { show: false },
                      value: (_u: uPlot, v: number | null) => kpi.format(v),
                    },
                  ]
                : []),
            ],
          })}
        />
      )}
    </Panel>
  )
}
