import type { Totals } from '../store/types'

/** Rounds to `digits` decimals, as every ratio in a stats answer is. */
export const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * The derived metrics of a set of visits: ratios from sums, never averages of averages.
 *
 * @example
 * metricsOf({ visitors: 2, visits: 4, pageviews: 9, events: 1, bounces: 1, duration: 60_000 })
 * // { visitors: 2, visits: 4, pageviews: 9, events: 1, bounceRate: 0.25, visitDuration: 15, viewsPerVisit: 2.25 }
 */
export function metricsOf(t: Totals) {
  return {
    visitors: t.visitors,
    visits: t.visits,
    pageviews: t.pageviews,
    events: t.events,
    bounceRate: t.visits ? round(t.bounces / t.visits) : null,
    visitDuration: t.visits ? round(t.duration / t.visits / 1000, 1) : null,
    viewsPerVisit: t.visits ? round(t.pageviews / t.visits, 2) : null,
  }
}
