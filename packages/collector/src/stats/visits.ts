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

/** A day's strings (pages, event names, one attribute) numbered in first-seen order; code 0 is null. */
export class Dictionary {
  readonly values: (string | null)[] = [null]
  private readonly codes = new Map<string, number>()

  code(value: string | null): number {
    if (value === null) return 0
    let c = this.codes.get(value)
    if (c === undefined) {
      c = this.values.length
      this.values.push(value)
      this.codes.set(value, c)
    }
    return c
  }

  get size(): number {
    return this.values.length
  }
}

/** The visit dimensions a visit takes from its first event: all but entry and exit page. */
export const FIRST_EVENT_DIMENSIONS = VISIT_DIMENSIONS.slice(2)

export interface Exposure {
  experiment: string
  variant: string
  ts: number
}

/**
 * One local day's visits in columns: visit `i`'s fields are the `i`-th
 * entries of the typed arrays, its page views and custom events ("steps")
 * the entries `stepFrom[i]` to `stepFrom[i + 1] - 1` of the step arrays, and
 * every string a code into a dictionary of the day. A day's worth of Visit
 * objects (a record of attributes and three arrays each) made ~30 MB of
 * live JavaScript objects that the garbage collector copied and promoted
 * over and over; in typed arrays the same day is a few MB it never scans.
 *
 * Visits are added one visitor at a time, each visitor's in time order
 * (`open` starts a visit, `add` appends a step to the latest), so a
 * visitor's visits are next to each other.
 */
export class DayVisits {
  /** How many visits. */
  count = 0
  /** How many steps. */
  steps = 0
  /** The visitor id of each visit. */
  readonly visitorIds: string[] = []
  /** Rowid of each visit's first event, whose traffic attributes the visit takes. */
  readonly first: Float64Array
  readonly start: Float64Array
  readonly end: Float64Array
  readonly pageviews: Int32Array
  readonly events: Int32Array
  /**
   * The visitor's number and first-seen time as read with the day (on the
   * visitor's first visit of the day), else 0.
   */
  readonly knownVid: Int32Array
  readonly knownFirstSeen: Float64Array
  /**
   * `VISIT_DIMENSIONS.length` codes per visit, in that order: entry and exit
   * page are codes into `pages`, the others into `attrs` (indexed like
   * `FIRST_EVENT_DIMENSIONS`). 0 is null.
   */
  readonly dims: Int32Array
  readonly stepFrom: Int32Array
  /** A code into `names` for custom events, into `pages` for page views. */
  readonly stepCode: Int32Array
  readonly stepIsEvent: Uint8Array
  readonly stepTime: Float64Array
  readonly pages = new Dictionary()
  readonly names = new Dictionary()
  readonly attrs = FIRST_EVENT_DIMENSIONS.map(() => new Dictionary())
  /** `key=value` of the scalar properties of a visit's custom events, for property filters (visits with any). */
  readonly props = new Map<number, Set<string>>()
  /** Experiment exposures of a visit (visits with any). */
  readonly exposures = new Map<number, Exposure[]>()

  /** `capacity`: how many events the day has (at least as many as visits and steps). */
  constructor(capacity: number) {
    const n = Math.max(1, capacity)
    this.first = new Float64Array(n)
    this.start = new Float64Array(n)
    this.end = new Float64Array(n)
    this.pageviews = new Int32Array(n)
    this.events = new Int32Array(n)
    this.knownVid = new Int32Array(n)
    this.knownFirstSeen = new Float64Array(n)
    this.dims = new Int32Array(n * VISIT_DIMENSIONS.length)
    this.stepFrom = new Int32Array(n + 1)
    this.stepCode = new Int32Array(n)
    this.stepIsEvent = new Uint8Array(n)
    this.stepTime = new Float64Array(n)
  }

  /** Starts a visit at its first event; returns its index. */
  open(visitorId: string, rowid: number, ts: number): number {
    const i = this.count++
    this.visitorIds.push(visitorId)
    this.first[i] = rowid
    this.start[i] = ts
    this.end[i] = ts
    this.stepFrom[i] = this.steps
    this.stepFrom[i + 1] = this.steps
    return i
  }

  /** Appends a page view (or with `isTrack` a custom event) to the latest visit. */
  add(ts: number, isTrack: boolean, value: string, propertiesText: string | null) {
    const i = this.count - 1
    const s = this.steps++
    this.stepFrom[i + 1] = this.steps
    this.end[i] = ts
    this.stepTime[s] = ts
    if (!isTrack) {
      const code = this.pages.code(value)
      this.stepCode[s] = code
      this.pageviews[i]!++
      const at = i * VISIT_DIMENSIONS.length
      if (this.dims[at] === 0) this.dims[at] = code
      this.dims[at + 1] = code
      return
    }
    this.stepCode[s] = this.names.code(value)
    this.stepIsEvent[s] = 1
    this.events[i]!++
    const properties = propertiesText ? parseObject(propertiesText) : null
    if (!properties) return
    let props = this.props.get(i)
    if (!props) this.props.set(i, (props = new Set()))
    addProps(props, properties)
    if (value === EXPOSURE_EVENT) {
      const experiment = properties.experiment_id
      const variant = properties.variant
      if (typeof experiment === 'string' && typeof variant === 'string') {
        let list = this.exposures.get(i)
        if (!list) this.exposures.set(i, (list = []))
        list.push({ experiment, variant, ts })
      }
    }
  }

  /** A visit bounced when it has exactly one page view and no custom event. */
  bounced(i: number): boolean {
    return this.pageviews[i] === 1 && this.events[i] === 0
  }

  /** The dictionary of `VISIT_DIMENSIONS[d]`'s codes in `dims`. */
  dictionary(d: number): Dictionary {
    return d < 2 ? this.pages : this.attrs[d - 2]!
  }

  /** Sets a visit's traffic attributes from its first event. */
  applyFirstEvent(i: number, e: FirstEventRow) {
    const at = i * VISIT_DIMENSIONS.length + 2
    const attrs = this.attrs
    this.dims[at] = attrs[0]!.code(referrerHost(e[1] as string | null, e[2] as string | null))
    for (let k = 1; k < attrs.length; k++)
      this.dims[at + k] = attrs[k]!.code(e[k + 2] as string | null)
  }
}

/**
 * Splits one local day's page, screen and custom events into visits.
 * `rows` must all lie in one local day of the site and come in time order,
 * ties broken by message id, so the outcome never depends on arrival order.
 * Each visitor's open visit takes the next event unless over 30 minutes
 * passed. Visit attributes other than entry and exit page are left null for
 * `applyFirstEvent` to fill from the visit's first event.
 *
 * The aggregation reads days grouped by visitor (`visitsOfVisitors`); this
 * is its fallback for names holding the grouping's separators.
 *
 * @example
 * const visits = visitsOfDay(dayEvents.all(siteId, start, end))
 */
export function visitsOfDay(rows: VisitRow[]): DayVisits {
  // Each visitor's events together (in time order), as DayVisits wants them.
  const byVisitor = new Map<string, VisitRow[]>()
  for (const r of rows) {
    let list = byVisitor.get(r[1])
    if (!list) byVisitor.set(r[1], (list = []))
    list.push(r)
  }
  const visits = new DayVisits(rows.length)
  for (const [visitorId, list] of byVisitor) {
    let end = -Infinity
    for (const r of list) {
      if (r[2] - end > VISIT_GAP_MS) visits.open(visitorId, r[0], r[2])
      visits.add(r[2], r[3] !== 0, r[4] ?? '', r[5])
      end = r[2]
    }
  }
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
export function visitsOfVisitors(rows: VisitorRow[], dayStart: number): DayVisits | null {
  let events = 0
  for (const r of rows) events += r[1]
  const visits = new DayVisits(events)
  for (const [visitorId, count, items, vid, firstSeen] of rows) {
    const first = visits.count
    let end = -Infinity
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
      let stop = items.indexOf('\u001f', ++i)
      if (stop < 0) stop = n
      let props: string | null = null
      if (isTrack) {
        const sep = items.indexOf('\u001e', i)
        if (sep < 0 || sep > stop) return null
        if (sep > i) props = items.slice(i, sep)
        i = sep + 1
      }
      const ts = dayStart + offset
      if (++seen > count) return null
      if (ts - end > VISIT_GAP_MS) visits.open(visitorId, rowid, ts)
      visits.add(ts, isTrack, items.slice(i, stop), props)
      end = ts
      i = stop + 1
    }
    if (seen !== count) return null
    if (visits.count > first && vid !== null && firstSeen !== null) {
      visits.knownVid[first] = vid
      visits.knownFirstSeen[first] = firstSeen
    }
  }
  return visits
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
