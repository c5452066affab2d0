/**
 * Visits (sessions), derived on the server from raw events for every source
 * (browser SDK, React Native, server-side Segment calls alike):
 *
 * - A visit is a visitor's run of page, screen and track events with no gap
 *   over 30 minutes.
 * - A visit never crosses local midnight in the site's time zone: the first
 *   event after midnight starts a new visit of the new day (the rule Google
 *   Analytics used for years). Every day's numbers therefore depend on that
 *   day's events alone, so a late event reopens exactly one day, and the raw
 *   and rolled-up paths agree by construction.
 * - A visit counts in the hour it started, with all its page views and
 *   events; it bounced when it has exactly one page view and no custom event;
 *   its duration is last event minus first.
 * - Its traffic attributes (source, channel, referrer, UTM, browser, OS,
 *   device, country) are those of its first event; its entry and exit pages
 *   are its first and last page views.
 */

export const VISIT_GAP_MS = 30 * 60_000

/**
 * A raw event as the aggregation reads it, a row straight from SQLite:
 * `[rowid, visitorId, timestamp, isTrack, value, properties]`: `isTrack` is 1
 * for custom events and 0 for page and screen views; `value` is the event
 * name, or the page (path, else screen name); `properties` is the JSON text
 * of custom events, else null. The traffic attributes are read later, for
 * each visit's first event only.
 */
export type VisitRow = [
  rowid: number,
  visitorId: string,
  timestamp: number,
  isTrack: number,
  value: string | null,
  properties: string | null,
]

/**
 * A visit's first event as read for its traffic attributes: `[rowid,
 * referrer, url, source, channel, utm_source, utm_medium, utm_campaign,
 * utm_term, utm_content, browser, os, device_type, country]`.
 */
export type FirstEventRow = [rowid: number, ...attrs: (string | null)[]]

/** The name the SDK gives experiment exposures (`getVariant`). */
export const EXPOSURE_EVENT = 'Experiment Viewed'

/** Dimensions that describe a whole visit (taken from its first event or its page views). */
export const VISIT_DIMENSIONS = [
  'entry_page',
  'exit_page',
  'referrer',
  'source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'os',
  'device_type',
  'country',
] as const
export type VisitDimension = (typeof VISIT_DIMENSIONS)[number]

/** Dimensions of single events inside a visit: a visit can have many values. */
export const EVENT_DIMENSIONS = ['page', 'event'] as const
export type EventDimension = (typeof EVENT_DIMENSIONS)[number]

export const DIMENSIONS = [...VISIT_DIMENSIONS, ...EVENT_DIMENSIONS] as const
export type Dimension = VisitDimension | EventDimension

export interface Visit {
  visitorId: string
  /** Rowid of the first event, whose traffic attributes the visit takes. */
  first: number
  /**
   * The visitor's number and first-seen time as read with the day
   * (`visitsOfVisitors`, on the visitor's first visit of the day), or null.
   */
  known: { vid: number; firstSeen: number } | null
  start: number
  end: number
  pageviews: number
  events: number
  bounce: boolean
  attrs: Record<VisitDimension, string | null>
  /** Every page view's page and custom event's name in time order, for funnels and goals... */
  stepValues: string[]
  /** ...whether each is a custom event (else a page view)... */
  stepIsEvent: boolean[]
  /** ...and their times. */
  stepTimes: number[]
  /** Experiment exposures in the visit. */
  exposures: { experiment: string; variant: string; ts: number }[]
  /** `key=value` of the scalar properties of the visit's custom events, for property filters. */
  props: Set<string>
}

/** The page a page or screen view shows: its path, or for app screens the screen name. */
export const pageOf = (e: { path: string | null; name: string | null }) => e.path ?? e.name ?? ''

/** The referrer's host, unless it is the page's own host (navigation inside the site). */
export function referrerHost(referrer: string | null, url: string | null): string | null {
  if (!referrer) return null
  const host = hostName(referrer)
  if (!host || host === hostName(url)) return null
  return host
}

function hostName(url: string | null): string | null {
  if (!url) return null
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]+)/i.exec(url)
  return m ? m[1]!.toLowerCase().replace(/^www\./, '') : null
}

/**
 * Splits one local day's page, screen and custom events into visits.
 * `rows` must all lie in one local day of the site and come in time order,
 * ties broken by message id (SQL does that ordering from its time index,
 * sorting only runs of equal timestamps), so the outcome never depends on
 * arrival order. One walk in that order: each visitor's open visit takes the
 * next event unless over 30 minutes passed (no per-visitor lists, no sort).
 * Visit attributes (`attrs`) other than entry and exit page are left null
 * for `applyFirstEvent` to fill from the visit's first event.
 *
 * @example
 * const visits = visitsOfDay(dayEvents.all(siteId, start, end))
 */
export function visitsOfDay(rows: Iterable<VisitRow>): Visit[] {
  const open = new Map<string, Visit>()
  const visits: Visit[] = []
  for (const r of rows) {
    let current = open.get(r[1])
    if (!current || r[2] - current.end > VISIT_GAP_MS) {
      current = newVisit(r[1], r[0], r[2])
      visits.push(current)
      open.set(r[1], current)
    }
    addEvent(current, r[2], r[3] !== 0, r[4] ?? '', r[5])
  }
  for (const v of visits) v.bounce = v.pageviews === 1 && v.events === 0
  return visits
}

/**
 * One visitor's events of a local day as the aggregation reads them in bulk
 * (one row per visitor instead of one per event): `[visitorId, count, items,
 * vid, firstSeen]`. `items` joins the visitor's events in time order (ties
 * by message id) with U+001F; each is `offset,rowid` followed by `:page` for
 * page and screen views or `!properties U+001E name` for custom events,
 * `offset` being milliseconds since the day's start. `vid` and `firstSeen`
 * are the visitor's number and first-seen time when it has one, else null.
 * (The traffic attributes are read afterwards for each visit's first event:
 * carrying them through the grouping here measured 1.7x slower.)
 */
export type VisitorRow = [
  visitorId: string,
  count: number,
  items: string,
  vid: number | null,
  firstSeen: number | null,
]

/**
 * `visitsOfDay` for rows grouped by visitor (`VisitorRow`): the same visits,
 * ordered by visitor then time. Parses the items in place (numbers from char
 * codes, one slice per page or name), so a day costs one JavaScript row per
 * visitor rather than one per event. Returns null when an item count does
 * not match, which happens only when a page or event name itself contains
 * U+001F: the caller then reads that day event by event.
 */
export function visitsOfVisitors(rows: VisitorRow[], dayStart: number): Visit[] | null {
  const visits: Visit[] = []
  for (const [visitorId, count, items, vid, firstSeen] of rows) {
    const first = visits.length
    let current: Visit | undefined
    let seen = 0
    let i = 0
    const n = items.length
    while (i < n) {
      let offset = 0
      let c = items.charCodeAt(i)
      while (c !== 44) {
        if (!(c >= 48 && c <= 57)) return null
        offset = offset * 10 + (c - 48)
        c = items.charCodeAt(++i)
      }
      let rowid = 0
      c = items.charCodeAt(++i)
      while (c >= 48 && c <= 57) {
        rowid = rowid * 10 + (c - 48)
        c = items.charCodeAt(++i)
      }
      const isTrack = c === 33 // '!'
      let end = items.indexOf('\u001f', ++i)
      if (end < 0) end = n
      let props: string | null = null
      if (isTrack) {
        const sep = items.indexOf('\u001e', i)
        if (sep < 0 || sep > end) return null
        if (sep > i) props = items.slice(i, sep)
        i = sep + 1
      }
      const value = items.slice(i, end)
      const ts = dayStart + offset
      if (!current || ts - current.end > VISIT_GAP_MS) {
        current = newVisit(visitorId, rowid, ts)
        visits.push(current)
      }
      addEvent(current, ts, isTrack, value, props)
      seen++
      i = end + 1
    }
    if (seen !== count) return null
    const v = visits[first]
    if (v && vid !== null && firstSeen !== null) v.known = { vid, firstSeen }
  }
  for (const v of visits) v.bounce = v.pageviews === 1 && v.events === 0
  return visits
}

/** Sets a visit's traffic attributes from its first event. */
export function applyFirstEvent(v: Visit, e: FirstEventRow) {
  const a = v.attrs
  a.referrer = referrerHost(e[1]!, e[2]!)
  a.source = e[3]!
  a.channel = e[4]!
  a.utm_source = e[5]!
  a.utm_medium = e[6]!
  a.utm_campaign = e[7]!
  a.utm_term = e[8]!
  a.utm_content = e[9]!
  a.browser = e[10]!
  a.os = e[11]!
  a.device_type = e[12]!
  a.country = e[13]!
}

function newVisit(visitorId: string, first: number, ts: number): Visit {
  return {
    visitorId,
    first,
    known: null,
    start: ts,
    end: ts,
    pageviews: 0,
    events: 0,
    bounce: false,
    attrs: {
      entry_page: null,
      exit_page: null,
      referrer: null,
      source: null,
      channel: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
      browser: null,
      os: null,
      device_type: null,
      country: null,
    },
    stepValues: [],
    stepIsEvent: [],
    stepTimes: [],
    exposures: NO_EXPOSURES,
    props: NO_PROPS,
  }
}

// Most visits have no custom events: they share these empty, never-written
// instances until their first event (fewer allocations in a 160k-event day).
const NO_PROPS: Set<string> = new Set()
const NO_EXPOSURES: Visit['exposures'] = []

function addEvent(
  v: Visit,
  ts: number,
  isTrack: boolean,
  value: string,
  propertiesText: string | null,
) {
  v.end = ts
  v.stepTimes.push(ts)
  if (!isTrack) {
    v.stepValues.push(value)
    v.stepIsEvent.push(false)
    v.pageviews++
    v.attrs.entry_page ??= value
    v.attrs.exit_page = value
    return
  }
  v.stepValues.push(value)
  v.stepIsEvent.push(true)
  v.events++
  const properties = propertiesText ? parseObject(propertiesText) : null
  if (!properties) return
  if (v.props === NO_PROPS) v.props = new Set()
  addProps(v.props, properties)
  if (value === EXPOSURE_EVENT) {
    const experiment = properties.experiment_id
    const variant = properties.variant
    if (typeof experiment === 'string' && typeof variant === 'string') {
      if (v.exposures === NO_EXPOSURES) v.exposures = []
      v.exposures.push({ experiment, variant, ts })
    }
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/** Longest property value kept for filters; longer ones are cut. */
const MAX_PROP_VALUE = 200

function addProps(into: Set<string>, properties: Record<string, unknown>) {
  let n = 0
  for (const [key, value] of Object.entries(properties)) {
    if (++n > 50) break
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const text = `${key}=${String(value)}`.replace(/\n/g, ' ')
      into.add(text.slice(0, MAX_PROP_VALUE))
    }
  }
}
