import type { Filter, RealtimeCounts, StoredEvent } from '../store/types'
import { referrerHost } from './visits'

const MINUTE = 60_000

/** The event field a visit dimension compares in realtime, where no visits exist yet. */
const FIELDS: Record<string, keyof StoredEvent> = {
  source: 'source',
  channel: 'channel',
  utm_source: 'utmSource',
  utm_medium: 'utmMedium',
  utm_campaign: 'utmCampaign',
  utm_term: 'utmTerm',
  utm_content: 'utmContent',
  browser: 'browser',
  os: 'os',
  device_type: 'deviceType',
  country: 'country',
}

/**
 * Realtime counts from the raw events of the last 30 minutes (`first` is
 * the first minute's start): visitors in the last 5 minutes, and visitors
 * and page views per minute. Filters compare each event's own fields.
 */
export function realtimeOf(
  events: readonly StoredEvent[],
  first: number,
  now: number,
  filters: Filter[],
): RealtimeCounts {
  const minutes = Array.from({ length: 30 }, (_, i) => ({
    start: first + i * MINUTE,
    vids: new Set<string>(),
    pageviews: 0,
  }))
  const recent = new Set<string>()
  for (const e of events) {
    if (!filters.every((f) => matchesEvent(e, f))) continue
    const m = minutes[Math.floor((e.timestamp - first) / MINUTE)]
    if (!m) continue
    m.vids.add(e.visitorId)
    if (e.type !== 'track') m.pageviews++
    if (e.timestamp > now - 5 * MINUTE) recent.add(e.visitorId)
  }
  return {
    visitors: recent.size,
    minutes: minutes.map((m) => ({
      start: m.start,
      visitors: m.vids.size,
      pageviews: m.pageviews,
    })),
  }
}

/** A filter against one raw event: visit dimensions compare the event's own field. */
export function matchesEvent(e: StoredEvent, f: Filter): boolean {
  let actual: unknown
  if (f.dimension === 'page' || f.dimension === 'entry_page' || f.dimension === 'exit_page') {
    actual = e.type === 'track' ? undefined : (e.path ?? e.name)
    if (actual === undefined) return f.op === 'is_not'
  } else if (f.dimension === 'event') {
    if (e.type !== 'track') return f.op === 'is_not'
    actual = e.name
  } else if (f.dimension.startsWith('prop:')) {
    actual = e.properties?.[f.dimension.slice(5)]
  } else if (f.dimension === 'referrer') {
    actual = referrerHost(e.referrer, e.url)
  } else {
    const field = FIELDS[f.dimension]
    actual = field ? e[field] : undefined
  }
  const text =
    typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean'
      ? String(actual)
      : null
  if (f.op === 'contains') {
    return text !== null && text.toLowerCase().includes((f.value ?? '').toLowerCase())
  }
  const equal = text === f.value
  return f.op === 'is' ? equal : !equal
}
