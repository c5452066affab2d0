/**
 * The view lives in the URL's query string (site, range, filters, interval,
 * tab, funnel steps, ...), so a link shows the same view to anyone with a key.
 * The key itself never goes there.
 */
import type { Interval } from './api'
import { isDay, isRangeKey, type RangeKey } from './dates'

export interface Filter {
  dimension: string
  op: 'is' | 'is_not' | 'contains'
  /** null means none (no referrer). */
  value: string | null
}

export interface Step {
  kind: 'page' | 'event'
  value: string
}

export const TABS = ['overview', 'funnels', 'retention', 'experiments'] as const
export type Tab = (typeof TABS)[number]

export const METRICS = ['visitors', 'visits', 'pageviews', 'bounceRate', 'visitDuration'] as const
export type Metric = (typeof METRICS)[number]

export const WINDOWS = {
  '1h': 3_600_000,
  '1d': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const
export type WindowKey = keyof typeof WINDOWS

export interface View {
  site?: string
  range: RangeKey
  from?: string
  to?: string
  compare: boolean
  filters: Filter[]
  interval?: Interval
  metric: Metric
  tab: Tab
  steps: Step[]
  window: WindowKey
  period: 'day' | 'week' | 'month'
  experiment?: string
  goal?: string
}

/** `dimension:op:value` as the API takes it; `prop:<key>` takes one colon more. */
export function filterToParam(f: Filter): string {
  return `${f.dimension}:${f.op}:${f.value ?? ''}`
}

export function parseFilter(raw: string): Filter | undefined {
  const parts = raw.split(':')
  const isProp = parts[0] === 'prop'
  const dimension = isProp ? `prop:${parts[1] ?? ''}` : parts[0]!
  const rest = parts.slice(isProp ? 2 : 1)
  const op = rest[0]
  if (!dimension || (op !== 'is' && op !== 'is_not' && op !== 'contains')) return undefined
  const value = rest.slice(1).join(':')
  return { dimension, op, value: value === '' ? null : value }
}

const oneOf = <T extends string>(list: readonly T[], v: string | null, fallback: T): T =>
  v !== null && (list as readonly string[]).includes(v) ? (v as T) : fallback

export function parseView(search: string): View {
  const q = new URLSearchParams(search)
  const range = q.get('range') ?? ''
  const interval = q.get('interval')
  const view: View = {
    range: isRangeKey(range) ? range : '30d',
    compare: q.get('compare') === '1',
    filters: q.getAll('filter').flatMap((f) => parseFilter(f) ?? []),
    metric: oneOf(METRICS, q.get('metric'), 'visitors'),
    tab: oneOf(TABS, q.get('tab'), 'overview'),
    steps: q.getAll('step').flatMap((s) => {
      const m = /^(page|event):(.+)$/s.exec(s)
      return m ? [{ kind: m[1] as Step['kind'], value: m[2]! }] : []
    }),
    window: oneOf(Object.keys(WINDOWS) as WindowKey[], q.get('window'), '7d'),
    period: oneOf(['day', 'week', 'month'] as const, q.get('period'), 'week'),
  }
  const site = q.get('site')
  if (site) view.site = site
  if (isDay(q.get('from'))) view.from = q.get('from')!
  if (isDay(q.get('to'))) view.to = q.get('to')!
  if (interval === 'hour' || interval === 'day' || interval === 'week' || interval === 'month')
    view.interval = interval
  const experiment = q.get('experiment')
  if (experiment) view.experiment = experiment
  const goal = q.get('goal')
  if (goal) view.goal = goal
  return view
}

/** The query string of a view; defaults are left out to keep links short. */
export function serializeView(v: View): string {
  const q = new URLSearchParams()
  if (v.site) q.set('site', v.site)
  if (v.range !== '30d') q.set('range', v.range)
  if (v.range === 'custom') {
    if (v.from) q.set('from', v.from)
    if (v.to) q.set('to', v.to)
  }
  if (v.compare) q.set('compare', '1')
  for (const f of v.filters) q.append('filter', filterToParam(f))
  if (v.interval) q.set('interval', v.interval)
  if (v.metric !== 'visitors') q.set('metric', v.metric)
  if (v.tab !== 'overview') q.set('tab', v.tab)
  for (const s of v.steps) q.append('step', `${s.kind}:${s.value}`)
  if (v.window !== '7d') q.set('window', v.window)
  if (v.period !== 'week') q.set('period', v.period)
  if (v.experiment) q.set('experiment', v.experiment)
  if (v.goal) q.set('goal', v.goal)
  return q.toString()
}

export const DIMENSION_LABELS: Record<string, string> = {
  page: 'Page',
  entry_page: 'Entry page',
  exit_page: 'Exit page',
  referrer: 'Referrer',
  source: 'Source',
  channel: 'Channel',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  utm_term: 'UTM term',
  utm_content: 'UTM content',
  browser: 'Browser',
  os: 'OS',
  device_type: 'Device',
  country: 'Country',
  event: 'Event',
}

const OPS = { is: 'is', is_not: 'is not', contains: 'contains' }
export const describeFilter = (f: Filter) =>
  `${DIMENSION_LABELS[f.dimension] ?? f.dimension} ${OPS[f.op]} ${f.value ?? '(none)'}`
