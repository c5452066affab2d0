import { TZDate } from '@date-fns/tz'
import { z } from 'zod'

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number]
    const date = new Date(Date.UTC(y, m - 1, d))
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
  }, 'not a calendar date')

/** Longest range one query may ask for: about ten years of days. */
export const MAX_RANGE_DAYS = 3_700

/** `site`, `from` and `to` of every stats query. `from` and `to` are inclusive days. */
export const rangeQueryShape = {
  site: z.string().min(1).max(64).meta({ description: 'Site id' }),
  from: day.meta({ description: 'First local day, YYYY-MM-DD (site time zone)' }),
  to: day.meta({ description: 'Last local day, included' }),
}

export const rangeQuerySchema = z
  .object(rangeQueryShape)
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })

/**
 * The instants that bound the site-local days `from`..`to` (inclusive):
 * `[start of from, start of the day after to)` in the site's time zone, so
 * 23- and 25-hour DST days and offsets like +05:45 count exactly.
 *
 * @example
 * dayRange('2026-03-29', '2026-03-29', 'Europe/Berlin') // a 23-hour day
 */
export function dayRange(from: string, to: string, timezone: string) {
  const start = (s: string, plusDays = 0) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number]
    return new TZDate(y, m - 1, d + plusDays, timezone).getTime()
  }
  return { fromMs: start(from), toMs: start(to, 1) }
}

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
