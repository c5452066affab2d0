import { useMemo, useState } from 'preact/hooks'
import { getJson, postJson, type Breakdown, type Funnel } from './api'
import { axis, UChart, uPlot } from './chart'
import { csvName, useCtx } from './context'
import { fmtInt, fmtMs, fmtPct } from './format'
import { WINDOWS, type Step, type WindowKey } from './state'
import { CsvButton, ErrorBox, Panel, Skeleton, useLoad } from './ui'

const WINDOW_LABELS: Record<WindowKey, string> = {
  '1h': '1 hour',
  '1d': '1 day',
  '7d': '7 days',
  '30d': '30 days',
}

const EMPTY_STEPS: Step[] = [
  { kind: 'page', value: '' },
  { kind: 'page', value: '' },
]

export function FunnelTab() {
  const ctx = useCtx()
  const steps = ctx.view.steps
  const ready = steps.length >= 2
  const body = {
    site: ctx.site.id,
    from: ctx.from,
    to: ctx.to,
    steps: steps.map((s) => (s.kind === 'page' ? { page: s.value } : { event: s.value })),
    windowMs: WINDOWS[ctx.view.window],
    filters: ctx.filterBody,
  }
  const funnel = useLoad(ready ? JSON.stringify(body) : null, (signal) =>
    postJson<Funnel>('/v1/stats/funnel', body, signal),
  )
  return (
    <div class="stack">
      <StepEditor key={JSON.stringify(steps)} />
      {ready && (
        <Panel
          id="funnel"
          title="Conversion"
          busy={funnel.loading}
          actions={
            <CsvButton
              path="/v1/stats/funnel"
              params={{}}
              body={body}
              filename={csvName(ctx, 'funnel')}
              label="the funnel"
            />
          }
        >
          {funnel.error ? (
            <ErrorBox error={funnel.error} />
          ) : !funnel.data ? (
            <Skeleton lines={1} height={260} />
          ) : funnel.data.steps[0]?.visitors === 0 ? (
            <p class="empty">
              Nobody reached the first step in this period. Try a longer range or another first
              step.
            </p>
          ) : (
            <FunnelResult funnel={funnel.data} />
          )}
        </Panel>
      )}
    </div>
  )
}

function StepEditor() {
  const ctx = useCtx()
  const [draft, setDraft] = useState<Step[]>(ctx.view.steps.length ? ctx.view.steps : EMPTY_STEPS)
  const options = useLoad(JSON.stringify([ctx.site.id, ctx.from, ctx.to]), async (signal) => {
    const base = { site: ctx.site.id, from: ctx.from, to: ctx.to, limit: 100 }
    const [pages, events] = await Promise.all([
      getJson<Breakdown>('/v1/stats/breakdown', { ...base, dimension: 'page' }, signal),
      getJson<Breakdown>('/v1/stats/breakdown', { ...base, dimension: 'event' }, signal),
    ])
    const values = (b: Breakdown) => b.results.flatMap((r) => (r.value ? [r.value] : []))
    return { page: values(pages), event: values(events) }
  })
  const set = (i: number, patch: Partial<Step>) =>
    setDraft(draft.map((s, j) => (j === i ? { ...s, ...patch } : s)))
  const valid = draft.length >= 2 && draft.every((s) => s.value.trim() !== '')
  const submit = (e: Event) => {
    e.preventDefault()
    if (valid) ctx.navigate({ steps: draft.map((s) => ({ ...s, value: s.value.trim() })) })
  }
  return (
    <Panel id="funnel-steps" title="Funnel steps" busy={false}>
      <form onSubmit={submit}>
        <ol class="steps">
          {draft.map((s, i) => (
            <li key={i} data-step={i + 1}>
              <span aria-hidden="true">{i + 1}.</span>
              <select
                aria-label={`Step ${i + 1} kind`}
                value={s.kind}
                onChange={(e) =>
                  set(i, { kind: (e.target as HTMLSelectElement).value as Step['kind'] })
                }
              >
                <option value="page">Page</option>
                <option value="event">Event</option>
              </select>
              <input
                aria-label={`Step ${i + 1} ${s.kind === 'page' ? 'page path' : 'event name'}`}
                list={`funnel-${s.kind}s`}
                value={s.value}
                placeholder={s.kind === 'page' ? '/pricing' : 'Signup'}
                onInput={(e) => set(i, { value: (e.target as HTMLInputElement).value })}
              />
              <button
                type="button"
                class="small"
                aria-label={`Remove step ${i + 1}`}
                disabled={draft.length <= 2}
                onClick={() => setDraft(draft.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <datalist id="funnel-pages">
          {options.data?.page.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <datalist id="funnel-events">
          {options.data?.event.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <div class="form-row">
          <button
            type="button"
            disabled={draft.length >= 10}
            onClick={() => setDraft([...draft, { kind: 'page', value: '' }])}
          >
            Add step
          </button>
          <label class="inline">
            Window
            <select
              value={ctx.view.window}
              onChange={(e) =>
                ctx.navigate({ window: (e.target as HTMLSelectElement).value as WindowKey })
              }
            >
              {Object.entries(WINDOW_LABELS).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" disabled={!valid}>
            Show funnel
          </button>
        </div>
        <p class="hint">
          A visitor enters at their first step-1 page view or event in the range; each next step
          must follow within the window.
        </p>
      </form>
    </Panel>
  )
}

function FunnelResult({ funnel }: { funnel: Funnel }) {
  const ctx = useCtx()
  const steps = funnel.steps
  const labels = steps.map((s) => `${s.step}. ${s.value}`)
  const data = useMemo(
    (): uPlot.AlignedData => [
      steps.map((s) => s.step),
      // Drawn first and taller: the visitors of the previous step, so the part of it
      // above a step's own bar is that step's drop-off.
      steps.map((s) => s.visitors + s.dropOff),
      steps.map((s) => s.visitors),
    ],
    [funnel],
  )
  const bars = uPlot.paths.bars!({ size: [0.6, 120], radius: 0.1 })
  return (
    <>
      <UChart
        label={`Funnel: ${steps
          .map((s) => `${s.value} ${fmtInt(s.visitors)} visitors`)
          .join(', then ')}`}
        height={260}
        data={data}
        deps={[ctx.theme]}
        options={(c) => ({
          scales: {
            x: { time: false, range: [0.5, steps.length + 0.5] },
            y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] },
          },
          cursor: { drag: { x: false, y: false }, points: { show: false } },
          legend: { show: false },
          axes: [
            axis(c, {
              splits: () => steps.map((s) => s.step),
              values: (_u, splits) => splits.map((i) => labels[i - 1] ?? ''),
              grid: { show: false },
            }),
            axis(c, { size: 56, values: (_u, splits) => splits.map((v) => fmtInt(v)) }),
          ],
          series: [
            { value: (_u, i) => labels[i - 1] ?? '' },
            {
              label: 'Dropped off',
              fill: c.bar,
              stroke: c.bar,
              paths: bars,
              points: { show: false },
              value: (_u, _v, _s, i) => (i == null ? '' : fmtInt(steps[i]?.dropOff)),
            },
            {
              label: 'Converted',
              fill: c.accent,
              stroke: c.accent,
              paths: bars,
              points: { show: false },
              value: (_u, v) => fmtInt(v),
            },
          ],
        })}
      />
      <p class="legend" aria-hidden="true">
        <span class="swatch converted" /> Converted <span class="swatch dropped" /> Dropped off
      </p>
      <div class="table-wrap">
        <table data-testid="funnel-table">
          <caption class="sr-only">Funnel steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Visitors</th>
              <th scope="col">From previous</th>
              <th scope="col">From start</th>
              <th scope="col">Dropped off</th>
              <th scope="col">Median time</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={s.step} data-step={s.step}>
                <td>
                  {s.step}. {s.kind === 'event' ? 'Event ' : ''}
                  <code>{s.value}</code>
                </td>
                <td data-metric="visitors">{fmtInt(s.visitors)}</td>
                <td>{fmtPct(s.conversionFromPrevious)}</td>
                <td>{fmtPct(s.conversionFromStart)}</td>
                <td data-metric="dropOff">{fmtInt(s.dropOff)}</td>
                <td>{s.step === 1 ? '' : fmtMs(s.medianTimeToConvertMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
