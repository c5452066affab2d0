import { TZDate, tzOffset } from '@date-fns/tz'

const QUARTER_HOUR = 900_000
const HOUR = 3_600_000
const DAY = 86_400_000

/**
 * Fast local-time arithmetic in one IANA time zone. Every zone in use today
 * changes its offset only on a quarter hour, so the offset is looked up once
 * per UTC quarter hour and cached: the aggregator calls this for every event.
 *
 * @example
 * const clock = zoneClock('Asia/Kathmandu')
 * clock.day(Date.parse('2026-03-01T18:15:00Z')) // '2026-03-02' (00:00 +05:45)
 */
export function zoneClock(timezone: string) {
  const offsets = new Map<number, number>()
  const offsetMs = (ts: number) => {
    const q = Math.floor(ts / QUARTER_HOUR)
    let o = offsets.get(q)
    if (o === undefined) {
      o = tzOffset(timezone, new Date(q * QUARTER_HOUR)) * 60_000
      if (offsets.size > 100_000) offsets.clear()
      offsets.set(q, o)
    }
    return o
  }
  return {
    timezone,
    offsetMs,
    /** The local calendar day (`YYYY-MM-DD`) of an instant. */
    day(ts: number): string {
      return new Date(ts + offsetMs(ts)).toISOString().slice(0, 10)
    },
    /**
     * The instant the local hour of `ts` began. In the repeated hour of a
     * DST change both hours get their own start, so a 25-hour day has 25.
     */
    hourStart(ts: number): number {
      const o = offsetMs(ts)
      return Math.floor((ts + o) / HOUR) * HOUR - o
    },
    /** The instant local day `day` began (midnight, or the first instant after a skipped one). */
    dayStart(day: string): number {
      return localMidnight(day, timezone)
    },
  }
}

export type ZoneClock = ReturnType<typeof zoneClock>

/** The instant local day `day` (`YYYY-MM-DD`) begins in `timezone`. */
export function localMidnight(day: string, timezone: string, plusDays = 0): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new TZDate(y, m - 1, d + plusDays, timezone).getTime()
}

/** `day` plus `n` calendar days, as `YYYY-MM-DD` (no time zone involved). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)
}

/** Every calendar day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}

export type Interval = 'hour' | 'day' | 'week' | 'month'

/**
 * The bucket a local day falls in: itself, the Monday of its ISO week, or the
 * first of its month. Weeks start on Monday, as in ISO 8601 and most of the
 * world's calendars.
 */
export function bucketOfDay(day: string, interval: Exclude<Interval, 'hour'>): string {
  if (interval === 'day') return day
  if (interval === 'month') return `${day.slice(0, 7)}-01`
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay() // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7))
}

/**
 * The buckets of `from`..`to` in order, labelled by their first local day
 * (or, for hours, the ISO instant the local hour began). Hours walk real
 * instants, so a 23-hour day has 23 and a 25-hour day 25.
 */
export function bucketsOf(
  from: string,
  to: string,
  interval: Interval,
  timezone: string,
): { key: string; start: number }[] {
  if (interval === 'hour') {
    const clock = zoneClock(timezone)
    const end = localMidnight(to, timezone, 1)
    const out: { key: string; start: number }[] = []
    for (let t = localMidnight(from, timezone); t < end;) {
      out.push({ key: new Date(t).toISOString(), start: t })
      // The next local hour starts an hour later, unless the offset changes inside it.
      let next = clock.hourStart(t + HOUR)
      if (next <= t) next = clock.hourStart(t + 2 * HOUR)
      t = next
    }
    return out
  }
  const keys = new Set<string>()
  for (const d of daysBetween(from, to)) keys.add(bucketOfDay(d, interval))
  return [...keys].map((key) => ({ key, start: localMidnight(key, timezone) }))
}
