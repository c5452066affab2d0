/**
 * Calendar days as `YYYY-MM-DD` strings in a site's IANA time zone, with the
 * platform's Intl APIs only. Arithmetic on days is pure calendar arithmetic
 * (UTC dates), so DST changes never shift a day.
 */
import type { Interval } from './api'

const DAY = 86_400_000

export const RANGES = [
  ['today', 'Today'],
  ['yesterday', 'Yesterday'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['mtd', 'Month to date'],
  ['custom', 'Custom range'],
] as const
export type RangeKey = (typeof RANGES)[number][0]
export const isRangeKey = (v: string): v is RangeKey => RANGES.some(([k]) => k === v)

const formatters = new Map<string, Intl.DateTimeFormat>()
/** The local calendar day of an instant in a time zone. */
export function dayIn(timeZone: string, at: number = Date.now()): string {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    formatters.set(timeZone, f)
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}`
}

export const isDay = (v: string | null | undefined): v is string =>
  !!v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)
}

/** Days from `from` to `to`, both included. */
export const daysIn = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1

/** The days a preset (or a custom range) covers, ending on `today` in the site's zone. */
export function rangeOf(
  key: RangeKey,
  today: string,
  custom?: { from?: string | undefined; to?: string | undefined },
): { from: string; to: string } {
  switch (key) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) }
    case '7d':
      return { from: addDays(today, -6), to: today }
    case '30d':
      return { from: addDays(today, -29), to: today }
    case '90d':
      return { from: addDays(today, -89), to: today }
    case 'mtd':
      return { from: `${today.slice(0, 8)}01`, to: today }
    case 'custom': {
      const from = isDay(custom?.from) ? custom.from : addDays(today, -29)
      const to = isDay(custom?.to) ? custom.to : today
      return from <= to ? { from, to } : { from: to, to: from }
    }
  }
}

/** The period of the same length just before (as the overview's `previous`). */
export function previousOf(from: string, to: string) {
  const n = daysIn(from, to)
  return { from: addDays(from, -n), to: addDays(from, -1) }
}

/** Intervals that make sense for a range: hourly only up to 93 days (the API's limit). */
export function intervalsFor(from: string, to: string): Interval[] {
  const n = daysIn(from, to)
  if (n <= 2) return ['hour', 'day']
  if (n <= 31) return ['hour', 'day', 'week']
  if (n <= 93) return ['hour', 'day', 'week', 'month']
  return ['day', 'week', 'month']
}

export function defaultInterval(from: string, to: string): Interval {
  const n = daysIn(from, to)
  return n <= 2 ? 'hour' : n <= 120 ? 'day' : n <= 730 ? 'week' : 'month'
}

/** "Mar 2 – Mar 30, 2026" for a range of local days. */
export function describeRange(from: string, to: string): string {
  const f = new Intl.DateTimeFormat(undefined, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  })
  const a = new Date(`${from}T00:00:00Z`)
  const b = new Date(`${to}T00:00:00Z`)
  return from === to ? f.format(a) : f.formatRange(a, b)
}
