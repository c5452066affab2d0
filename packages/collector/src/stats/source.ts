import type { GoalSpec, StatsQuery, StoredEvent, Totals } from '../store/types'

/** A daily rollup row: a value's (or the site's) sums and exact visitor set of one local day. */
export interface DayRow extends Totals {
  day: string
  /** Sorted visitor numbers (see `stats/sets.ts`). */
  vset: Uint32Array
}

/** One value's summed metrics over days, without touching its visitor sets. */
export interface DimensionSums extends Totals {
  value: string | null
  /** Here `visitors` is the sum of daily uniques (an upper bound of the exact count); this the largest daily count (a lower bound). */
  most: number
}

/** `(vid, ms since local midnight)` pairs of a fact key on one local day. */
export interface FactRow {
  key: string
  day: string
  pairs: Uint32Array
}

/** One visit's lines of pages, event names or properties, for breakdowns inside visits. */
export interface VisitLines {
  vid: number
  pageviews: number
  events: number
  bounce: number
  duration: number
  /** `\n`-separated lines: `name\tcount` for pages and names, `key=value` for properties. */
  list: string
  /** 1 when the visit reached the query's goal. */
  converted: number
}

/**
 * The reads an adapter answers in its own SQL for the shared stats engine
 * (`stats/engine.ts`): rollup rows of the tables every adapter keeps
 * (`agg_days`, `agg_hours`, `agg_facts`, `agg_visitors`, `agg_sessions`, as
 * `stats/rollup-rows.ts` builds them) and a few raw-event reads. Nothing
 * here computes a metric that is not a plain SQL sum or count; unions,
 * funnels, retention, exposures and ranking are the engine's.
 */
export interface RollupSource {
  /** The highest visitor number of a site (sizes the engine's typed arrays). */
  maxVid(siteId: string): Promise<number>
  /**
   * Daily rows of a dimension (`''`: the site's totals) over local days
   * `from`..`to`, in day order; with `value` given, only that value's rows.
   */
  dayRows(
    siteId: string,
    dim: string,
    from: string,
    to: string,
    value?: { value: string | null },
  ): Promise<DayRow[]>
  /** Per value of a dimension: summed metrics over the days (`GROUP BY value`). */
  dimensionSums(siteId: string, dim: string, from: string, to: string): Promise<DimensionSums[]>
  /** The visitor sets of one value of a dimension over the days. */
  valueSets(
    siteId: string,
    dim: string,
    value: string | null,
    from: string,
    to: string,
  ): Promise<Uint32Array[]>
  /** Totals per local hour (`hour`: the hour's first instant, ms) of the days. */
  hourRows(siteId: string, from: string, to: string): Promise<(Totals & { hour: number })[]>
  /** Fact rows whose key starts with `prefix` (`page:/x`, `event:Signup`, `exp:`), over the days. */
  facts(
    siteId: string,
    prefix: string,
    from: string,
    to: string,
    exact: boolean,
  ): Promise<FactRow[]>
  /** `[vid, first seen ms]` of visitors first seen in `[startMs, endMs)`. */
  firstSeen(siteId: string, startMs: number, endMs: number): Promise<[number, number][]>
  /** Visitor numbers of visitor ids (unknown ids are left out). */
  vidsOf(siteId: string, visitorIds: string[]): Promise<Map<string, number>>
  /** Custom events named `name` in `[startMs, endMs)`, bots left out. */
  trackEvents(
    siteId: string,
    name: string,
    startMs: number,
    endMs: number,
  ): Promise<{ visitorId: string; timestamp: number; properties: Record<string, unknown> | null }[]>
  /** Page, screen and track events in `[startMs, endMs)`, bots left out (realtime). */
  recentEvents(siteId: string, startMs: number, endMs: number): Promise<StoredEvent[]>

  /** Totals over visits (`agg_sessions`) matching the filters; with a goal, converted visitors. */
  visitTotals(q: StatsQuery, goal?: GoalSpec): Promise<Totals & { conversions: number | null }>
  /** Totals over matching visits per bucket: hour (ISO instant), day, week (Monday) or month (first day). */
  visitSeries(
    q: StatsQuery,
    interval: 'hour' | 'day' | 'week' | 'month',
  ): Promise<Map<string, Totals>>
  /** Totals over matching visits grouped by a visit dimension's value. */
  visitGroups(
    q: StatsQuery,
    dimension: string,
    goal?: GoalSpec,
  ): Promise<(Totals & { value: string | null; conversions: number | null })[]>
  /** Matching visits with their page, event-name or property lines. */
  visitLines(
    q: StatsQuery,
    column: 'pages' | 'names' | 'props',
    goal?: GoalSpec,
  ): Promise<VisitLines[]>
  /** Visitor numbers with a visit matching the filters in the range; null without filters. */
  filteredVids(q: StatsQuery): Promise<Set<number> | null>
}
