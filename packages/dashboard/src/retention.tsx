import { getJson, type Retention } from './api'
import { csvName, useCtx } from './context'
import { fmtInt, fmtPct } from './format'
import type { View } from './state'
import { CsvButton, ErrorBox, Panel, Skeleton, useLoad } from './ui'

const PERIODS: Record<View['period'], { count: number; label: string }> = {
  day: { count: 14, label: 'Day' },
  week: { count: 8, label: 'Week' },
  month: { count: 6, label: 'Month' },
}

/** Heat colours per theme: [empty surface, full colour] as RGB. */
const HEAT = {
  light: [
    [255, 255, 255],
    [15, 118, 110],
  ],
  dark: [
    [33, 31, 29],
    [45, 212, 191],
  ],
} as const

function luminance([r, g, b]: number[]) {
  const c = [r!, g!, b!].map((v) => {
    const s = v / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!
}

/** A cell's background for a share, and the text colour (black or white) that reads best on it. */
function heat(share: number, theme: 'light' | 'dark') {
  const [from, to] = HEAT[theme]
  const t = Math.sqrt(Math.max(0, Math.min(1, share)))
  const rgb = from.map((a, i) => Math.round(a + (to[i]! - a) * t))
  const l = luminance(rgb)
  const onWhite = 1.05 / (l + 0.05)
  const onBlack = (l + 0.05) / 0.05
  return {
    background: `rgb(${rgb.join(',')})`,
    color: onWhite >= onBlack ? '#ffffff' : '#000000',
  }
}

export function RetentionTab() {
  const ctx = useCtx()
  const period = ctx.view.period
  const params = { ...ctx.params, period, periods: PERIODS[period].count }
  const load = useLoad(JSON.stringify(params), (signal) =>
    getJson<Retention>('/v1/stats/retention', params, signal),
  )
  const r = load.data
  const columns = r ? r.periods + 1 : 0
  return (
    <Panel
      id="retention"
      title="Retention cohorts"
      busy={load.loading}
      actions={
        <>
          <label class="inline small">
            Cohorts by
            <select
              class="small"
              value={period}
              onChange={(e) =>
                ctx.navigate({
                  period: (e.target as HTMLSelectElement).value as View['period'],
                })
              }
            >
              <option value="day">day</option>
              <option value="week">week</option>
              <option value="month">month</option>
            </select>
          </label>
          <CsvButton
            path="/v1/stats/retention"
            params={params}
            filename={csvName(ctx, `retention-${period}`)}
            label="the retention table"
          />
        </>
      }
    >
      <p class="hint" style={{ marginTop: 0, marginBottom: '8px' }}>
        Visitors grouped by the {period} they were first seen (in the selected range), and the share
        of them active in each later {period}.
      </p>
      {load.error ? (
        <ErrorBox error={load.error} />
      ) : !r ? (
        <Skeleton lines={6} height={24} />
      ) : r.cohorts.length === 0 ? (
        <p class="empty">No new visitors in this period, so no cohorts.</p>
      ) : (
        <div class="table-wrap">
          <table class="heatmap" data-testid="retention-table">
            <caption class="sr-only">
              Share of each cohort active {period} by {period}
            </caption>
            <thead>
              <tr>
                <th scope="col">Cohort</th>
                <th scope="col">Visitors</th>
                {Array.from({ length: columns }, (_, k) => (
                  <th key={k} scope="col">
                    {PERIODS[period].label} {k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.cohorts.map((co) => (
                <tr key={co.cohort} data-cohort={co.cohort}>
                  <th scope="row" style={{ textAlign: 'left', fontWeight: 500 }}>
                    {co.cohort}
                  </th>
                  <td>{fmtInt(co.visitors)}</td>
                  {co.retention.map((x) =>
                    x.share === null ? (
                      <td key={x.period}>
                        <span class="sr-only">not yet</span>
                      </td>
                    ) : (
                      <td
                        key={x.period}
                        style={heat(x.share, ctx.theme)}
                        title={`${fmtInt(x.visitors)} of ${fmtInt(co.visitors)}`}
                      >
                        {fmtPct(x.share)}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  )
}
