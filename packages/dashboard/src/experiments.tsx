import { useEffect } from 'preact/hooks'
import {
  getJson,
  type Breakdown,
  type ExperimentResult,
  type ExperimentSummary,
  type Overview,
} from './api'
import { csvName, useCtx } from './context'
import { fmtChange, fmtInt, fmtP, fmtPct } from './format'
import { CsvButton, ErrorBox, isNotFound, Panel, Skeleton, useLoad } from './ui'

const EXPOSURE = 'Experiment Viewed'

export function ExperimentsTab() {
  const ctx = useCtx()
  const base = { site: ctx.site.id, from: ctx.from, to: ctx.to }
  const list = useLoad(JSON.stringify(base), async (signal) => {
    try {
      return (
        await getJson<{ experiments: ExperimentSummary[] }>('/v1/stats/experiments', base, signal)
      ).experiments
    } catch (error) {
      // A collector without the list route: no experiments to show, not an error.
      if (isNotFound(error as Error)) return []
      throw error
    }
  })
  // Goals to measure: saved goals, then the site's custom events.
  const goals = useLoad(JSON.stringify(['goals', base]), async (signal) => {
    const [overview, events] = await Promise.all([
      getJson<Overview>('/v1/stats/overview', base, signal),
      getJson<Breakdown>(
        '/v1/stats/breakdown',
        { ...base, dimension: 'event', limit: 100 },
        signal,
      ),
    ])
    return [
      ...overview.goals.map((g) => ({ value: g.id, label: `Goal: ${g.name}` })),
      ...events.results
        .filter((r) => r.value && r.value !== EXPOSURE)
        .map((r) => ({ value: `event:${r.value}`, label: `Event: ${r.value}` })),
    ]
  })
  const experiments = list.data ?? []
  const experiment = experiments.find((e) => e.id === ctx.view.experiment) ?? experiments[0]
  const goal =
    goals.data?.find((g) => g.value === ctx.view.goal)?.value ??
    goals.data?.find((g) => g.value === 'event:Signup')?.value ??
    goals.data?.[0]?.value

  useEffect(() => {
    // Keep the chosen experiment and goal in the URL once known, so the link is the view.
    if (experiment && goal && (ctx.view.experiment !== experiment.id || ctx.view.goal !== goal))
      ctx.navigate({ experiment: experiment.id, goal }, { replace: true })
  }, [experiment?.id, goal])

  if (list.error) return <ErrorBox error={list.error} />
  if (!list.data)
    return (
      <div class="panel" aria-busy="true">
        <Skeleton lines={4} />
      </div>
    )
  if (experiments.length === 0)
    return (
      <div class="panel empty" data-empty="experiments">
        <h2>No experiments in this period</h2>
        <p>
          Experiments show here once visitors are exposed to one. With the SDK,{' '}
          <code>pipit.getVariant('new-checkout', ['control', 'treatment'])</code> returns a stable
          variant per visitor and records the exposure (an <code>{EXPOSURE}</code> event with{' '}
          <code>experiment_id</code> and <code>variant</code>).
        </p>
      </div>
    )
  return (
    <div class="stack">
      <div class="panel form-row">
        <label class="inline">
          Experiment
          <select
            value={experiment?.id}
            onChange={(e) => ctx.navigate({ experiment: (e.target as HTMLSelectElement).value })}
          >
            {experiments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.id} ({fmtInt(e.exposed)} exposed)
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          Goal
          <select
            value={goal}
            disabled={!goals.data?.length}
            onChange={(e) => ctx.navigate({ goal: (e.target as HTMLSelectElement).value })}
          >
            {goals.data?.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {goals.error && <ErrorBox error={goals.error} />}
      {goals.data && !goal && (
        <p class="empty">
          No conversion goal yet: track a custom event (e.g. <code>Signup</code>) or save a goal.
        </p>
      )}
      {experiment && goal && <ExperimentResultPanel id={experiment.id} goal={goal} />}
    </div>
  )
}

function ExperimentResultPanel({ id, goal }: { id: string; goal: string }) {
  const ctx = useCtx()
  const params = { ...ctx.params, goal }
  const path = `/v1/stats/experiments/${encodeURIComponent(id)}`
  const load = useLoad(JSON.stringify([path, params]), (signal) =>
    getJson<ExperimentResult>(path, params, signal),
  )
  const r = load.data
  const verdict =
    r &&
    (r.srm?.mismatch
      ? 'Inconclusive: the traffic split does not match the plan, so assignment looks broken.'
      : r.verdict === 'treatment'
        ? `Winner: ${r.winner ?? 'a treatment'} converts significantly better than ${r.control}.`
        : r.verdict === 'control'
          ? `The control (${r.control}) converts significantly better than every treatment.`
          : 'Inconclusive: no significant difference yet.')
  return (
    <Panel
      id="experiment"
      title={`Experiment ${id}`}
      busy={load.loading}
      actions={
        <CsvButton
          path={path}
          params={params}
          filename={csvName(ctx, `experiment-${id}`)}
          label="the experiment variants"
        />
      }
    >
      {load.error ? (
        <ErrorBox error={load.error} />
      ) : !r ? (
        <Skeleton lines={4} />
      ) : (
        <div class="stack">
          <p class="verdict" data-verdict={r.verdict}>
            {verdict}
          </p>
          {r.srm?.mismatch && (
            <p class="warning" role="alert">
              Sample ratio mismatch: exposures differ from the planned split (p ={' '}
              {fmtP(r.srm.pValue)}). Check how variants are assigned before trusting the results.
            </p>
          )}
          <div class="table-wrap">
            <table data-testid="experiment-table">
              <caption class="sr-only">Variants of {id}</caption>
              <thead>
                <tr>
                  <th scope="col">Variant</th>
                  <th scope="col">Exposed</th>
                  <th scope="col">Conversions</th>
                  <th scope="col">Rate</th>
                  <th scope="col">95% interval</th>
                  <th scope="col">Lift</th>
                  <th scope="col">p-value</th>
                  <th scope="col">Significant</th>
                </tr>
              </thead>
              <tbody>
                {r.variants.map((v) => (
                  <tr key={v.name} data-variant={v.name}>
                    <td>
                      {v.name}
                      {v.name === r.control ? ' (control)' : ''}
                    </td>
                    <td data-metric="exposed">{fmtInt(v.exposed)}</td>
                    <td data-metric="conversions">{fmtInt(v.conversions)}</td>
                    <td>{fmtPct(v.conversionRate)}</td>
                    <td>
                      {v.interval ? `${fmtPct(v.interval.low)}–${fmtPct(v.interval.high)}` : '–'}
                    </td>
                    <td>{fmtChange(v.liftVsControl)}</td>
                    <td>{fmtP(v.pValue)}</td>
                    <td>{v.name === r.control ? '' : v.significant ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="hint">
            A visitor counts in the variant of their first exposure in the range and converts when
            they reach the goal afterwards. Interval: Wilson score; p-value: two-proportion z-test
            against the control (α = {r.alpha.toFixed(3)}).
          </p>
        </div>
      )}
    </Panel>
  )
}
