import type { BreakdownPage, BreakdownRow } from '../store/types'
import { metricsOf } from './metrics'
import { EVENT_DIMENSIONS } from './visits'

/** True for dimensions of single events (a page, an event name), whose rows have no bounce or duration. */
export const isEventDimension = (dimension: string) =>
  (EVENT_DIMENSIONS as readonly string[]).includes(dimension)

/**
 * The value a breakdown row is ranked by: the metric as the API shows it
 * (rounded ratios), so the order matches what a reader sees; null sorts last.
 */
export function sortValue(
  row: BreakdownRow,
  sort: BreakdownPage['sort'],
  dimension: string,
): string | number | null {
  if (sort === 'value') return row.value
  if (sort === 'conversions') return row.conversions
  if ((sort === 'bounceRate' || sort === 'visitDuration') && isEventDimension(dimension)) {
    return null
  }
  return metricsOf(row)[sort]
}

/**
 * The order of a breakdown page as a comparator: by the sort value in the
 * page's direction, nulls last, ties by value ascending. One definition for
 * every adapter, so every store returns the same page.
 *
 * @example
 * rows.sort(breakdownComparator({ sort: 'visits', order: 'desc', offset: 0, limit: 10 }, 'source'))
 */
export function breakdownComparator(page: BreakdownPage, dimension: string) {
  const dir = page.order === 'asc' ? 1 : -1
  return (ra: BreakdownRow, rb: BreakdownRow): number => {
    const x = sortValue(ra, page.sort, dimension)
    const y = sortValue(rb, page.sort, dimension)
    if (x === y) return String(ra.value ?? '') < String(rb.value ?? '') ? -1 : 1
    if (x === null) return 1
    if (y === null) return -1
    return (x < y ? -1 : 1) * dir
  }
}

/** One page of fully computed rows, in the page's order. */
export function rankedPage(rows: BreakdownRow[], page: BreakdownPage, dimension: string) {
  return {
    total: rows.length,
    rows: rows
      .sort(breakdownComparator(page, dimension))
      .slice(page.offset, page.offset + page.limit),
  }
}
