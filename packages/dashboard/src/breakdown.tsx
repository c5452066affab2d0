import { useState } from 'preact/hooks'
import { getJson, type Breakdown, type BreakdownRow } from './api'
import { csvName, useCtx } from './context'
import { fmtInt } from './format'
import { DIMENSION_LABELS } from './state'
import { CsvButton, ErrorBox, Panel, Skeleton, Tabs, useLoad } from './ui'

/** The breakdown panels: each a group of dimensions behind tabs. */
const GROUPS: { id: string; title: string; dimensions: [string, string][] }[] = [
  {
    id: 'pages',
    title: 'Pages',
    dimensions: [
      ['page', 'Top pages'],
      ['entry_page', 'Entry pages'],
      ['exit_page', 'Exit pages'],
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    dimensions: [
      ['channel', 'Channels'],
      ['source', 'Sources'],
      ['referrer', 'Referrers'],
    ],
  },
  {
    id: 'campaigns',
    title: 'Campaigns',
    dimensions: [
      ['utm_source', 'Source'],
      ['utm_medium', 'Medium'],
      ['utm_campaign', 'Campaign'],
      ['utm_term', 'Term'],
      ['utm_content', 'Content'],
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    dimensions: [
      ['browser', 'Browsers'],
      ['os', 'OS'],
      ['device_type', 'Devices'],
    ],
  },
  { id: 'countries', title: 'Countries', dimensions: [['country', 'Countries']] },
  { id: 'events', title: 'Events', dimensions: [['event', 'Custom events']] },
]

const SHORT = 10
const LONG = 50

let regionNames: Intl.DisplayNames | undefined
function countryName(code: string): string {
  try {
    regionNames ??= new Intl.DisplayNames(undefined, { type: 'region' })
    return regionNames.of(code) ?? code
  } catch {
    return code
  }
}

/** How a dimension's value reads: country names, `(none)` for no value. */
export function displayValue(dimension: string, value: string | null): string {
  if (value === null || value === '') return '(none)'
  if (dimension === 'country') return `${countryName(value)} (${value})`
  return value
}

export function Breakdowns() {
  return (
    <div class="grid">
      {GROUPS.map((g) => (
        <BreakdownPanel key={g.id} group={g} />
      ))}
    </div>
  )
}

function BreakdownPanel({ group }: { group: (typeof GROUPS)[number] }) {
  const ctx = useCtx()
  const [dimension, setDimension] = useState(group.dimensions[0]![0])
  const [expanded, setExpanded] = useState(false)
  const [page, setPage] = useState(1)
  const limit = expanded ? LONG : SHORT
  const params = { ...ctx.params, dimension, limit, page: expanded ? page : 1 }
  const load = useLoad(JSON.stringify(params), (signal) =>
    getJson<Breakdown>('/v1/stats/breakdown', params, signal),
  )
  const b = load.data
  const second = dimension === 'page' ? 'pageviews' : dimension === 'event' ? 'events' : 'visits'
  const secondLabel = { pageviews: 'Pageviews', events: 'Events', visits: 'Visits' }[second]
  const max = Math.max(1, ...(b?.results.map((r) => r.visitors) ?? []))
  const label = group.dimensions.find(([d]) => d === dimension)![1]
  const pages = b ? Math.max(1, Math.ceil(b.total / limit)) : 1
  const choose = (d: string) => {
    setDimension(d)
    setPage(1)
  }
  return (
    <Panel
      id={group.id}
      title={group.title}
      busy={load.loading}
      actions={
        <>
          <Tabs
            label={`${group.title} by`}
            tabs={group.dimensions}
            value={dimension}
            onChange={choose}
            idPrefix={group.id}
          />
          <CsvButton
            path="/v1/stats/breakdown"
            params={{ ...ctx.params, dimension, limit: 1000 }}
            filename={csvName(ctx, dimension)}
            label={label.toLowerCase()}
          />
        </>
      }
    >
      <div
        id={`${group.id}-tabpanel`}
        role={group.dimensions.length > 1 ? 'tabpanel' : undefined}
        aria-labelledby={
          group.dimensions.length > 1 ? `${group.id}-tab-${dimension}` : `${group.id}-title`
        }
        data-dimension={dimension}
      >
        {load.error ? (
          <ErrorBox error={load.error} />
        ) : !b ? (
          <Skeleton lines={6} />
        ) : b.results.length === 0 ? (
          <p class="empty">No {label.toLowerCase()} in this period.</p>
        ) : (
          <>
            <div class="table-wrap">
              <table>
                <caption class="sr-only">
                  {label}: visitors and {secondLabel.toLowerCase()}. Choose a row to filter by it.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{DIMENSION_LABELS[dimension]}</th>
                    <th scope="col">Visitors</th>
                    <th scope="col">{secondLabel}</th>
                  </tr>
                </thead>
                <tbody>
                  {b.results.map((r) => (
                    <Row
                      key={r.value ?? '\0'}
                      row={r}
                      dimension={dimension}
                      share={r.visitors / max}
                      second={r[second]}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span>
                {b.total <= limit
                  ? `${fmtInt(b.total)} ${b.total === 1 ? 'row' : 'rows'}`
                  : `${fmtInt((b.page - 1) * limit + 1)}–${fmtInt(
                      (b.page - 1) * limit + b.results.length,
                    )} of ${fmtInt(b.total)}`}
              </span>
              <span class="spacer" />
              {expanded && pages > 1 && (
                <>
                  <button
                    type="button"
                    class="small"
                    disabled={page <= 1}
                    onClick={() => setPage(page - 1)}
                  >
                    Previous
                  </button>
                  <button
                    type="button"
                    class="small"
                    disabled={page >= pages}
                    onClick={() => setPage(page + 1)}
                  >
                    Next
                  </button>
                </>
              )}
              {(expanded || b.total > SHORT) && (
                <button
                  type="button"
                  class="small"
                  aria-expanded={expanded}
                  onClick={() => {
                    setExpanded(!expanded)
                    setPage(1)
                  }}
                >
                  {expanded ? 'Less' : `More ${label.toLowerCase()}`}
                </button>
              )}
            </div>
          </>
        )}
      </div>
    </Panel>
  )
}

function Row(props: { row: BreakdownRow; dimension: string; share: number; second: number }) {
  const ctx = useCtx()
  const { row, dimension } = props
  const shown = displayValue(dimension, row.value)
  const label = DIMENSION_LABELS[dimension] ?? dimension
  return (
    <tr data-value={row.value ?? ''}>
      <td class="name">
        <span class="bar" style={{ width: `${Math.max(1, props.share * 100)}%` }} />
        <button
          type="button"
          class={row.value === null ? 'none' : ''}
          title={`Filter: ${label} is ${shown}`}
          onClick={() => ctx.addFilter({ dimension, op: 'is', value: row.value })}
        >
          {shown}
        </button>
      </td>
      <td data-metric="visitors">{fmtInt(row.visitors)}</td>
      <td>{fmtInt(props.second)}</td>
    </tr>
  )
}
