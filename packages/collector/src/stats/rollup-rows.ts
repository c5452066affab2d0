import type { ZoneClock } from './tz'
import type { DayVisits, Dictionary } from './visits'
import { VISIT_DIMENSIONS } from './visits'
import { encodeSet } from './sets'

/** Insert parameters of one day's derived rows, in the column order of each insert. */
export interface DayRows {
  visits: number
  /** Calls `insert` with each visit's `agg_sessions` row, one reused array (built while writing: nothing per visit stays alive). */
  sessions: (insert: (params: unknown[]) => void) => void
  hours: unknown[][]
  days: unknown[][]
  facts: unknown[][]
}

const DIMS = VISIT_DIMENSIONS.length

/**
 * The `agg_days` totals of one dimension, per code of its dictionary: visits
 * and their sums in typed arrays, and every `(code, visitor number)` pair,
 * grouped by code only at the end (a counting sort) into the sets.
 */
class Tally {
  readonly visits: Float64Array
  readonly pageviews: Float64Array
  readonly events: Float64Array
  readonly bounces: Float64Array
  readonly duration: Float64Array
  private readonly codes: Int32Array
  private readonly vids: Uint32Array
  private n = 0

  /** `size`: the dictionary's size; `capacity`: at most how many `add` calls. */
  constructor(size: number, capacity: number) {
    this.visits = new Float64Array(size)
    this.pageviews = new Float64Array(size)
    this.events = new Float64Array(size)
    this.bounces = new Float64Array(size)
    this.duration = new Float64Array(size)
    this.codes = new Int32Array(capacity)
    this.vids = new Uint32Array(capacity)
  }

  /** Counts one visit for `code` (the caller adds to the sums it concerns). */
  add(code: number, vid: number) {
    this.codes[this.n] = code
    this.vids[this.n++] = vid
    this.visits[code]!++
  }

  /** Counts one visit for `code` with all its sums. */
  addVisit(
    code: number,
    vid: number,
    pageviews: number,
    events: number,
    bounce: boolean,
    duration: number,
  ) {
    this.add(code, vid)
    this.pageviews[code]! += pageviews
    this.events[code]! += events
    if (bounce) this.bounces[code]!++
    this.duration[code]! += duration
  }

  /** Calls `row` for each code with visits, with its visitor set encoded as `encodeSet` does. */
  each(row: (code: number, set: Buffer) => void) {
    const size = this.visits.length
    const at = new Int32Array(size + 1)
    for (let k = 0; k < this.n; k++) at[this.codes[k]! + 1]!++
    for (let c = 0; c < size; c++) at[c + 1]! += at[c]!
    const fill = at.slice(0, size)
    const grouped = new Uint32Array(this.n)
    for (let k = 0; k < this.n; k++) grouped[fill[this.codes[k]!]!++] = this.vids[k]!
    for (let c = 0; c < size; c++) {
      if (at[c] === at[c + 1]) continue
      const set = grouped.subarray(at[c], at[c + 1]).sort()
      let u = 0
      for (let k = 0; k < set.length; k++) if (u === 0 || set[k] !== set[u - 1]) set[u++] = set[k]!
      row(c, Buffer.from(set.buffer, set.byteOffset, u * 4))
    }
  }
}

/**
 * A page or event name as written in a visit's `name<TAB>count` lines
 * (`pages`, `names`; the text starts with a newline, so `instr` finds
 * `\nname\t` exactly): tabs and newlines become spaces. Cached per code.
 */
function lineName(cache: (string | undefined)[], dict: Dictionary, code: number): string {
  return (cache[code] ??= dict.values[code]!.replace(/[\n\t]/g, ' '))
}

/**
 * Every derived row of one local day from its visits, as insert parameters
 * in each table's column order (`agg_sessions`, `agg_hours`, `agg_days`,
 * `agg_facts`): database-neutral, so every adapter writes the same rows.
 */
export function dayRows(
  siteId: string,
  day: string,
  dayStart: number,
  clock: ZoneClock,
  d: DayVisits,
  vids: Uint32Array,
): DayRows {
  const n = d.count
  const out: DayRows = { visits: n, sessions: () => undefined, hours: [], days: [], facts: [] }
  if (n === 0) return out
  const dims = VISIT_DIMENSIONS.map((_, k) => new Tally(d.dictionary(k).size, n))
  const pages = new Tally(d.pages.size, d.steps)
  const names = new Tally(d.names.size, d.steps)
  const hours = new Map<number, Bucket>()
  const hourOf = new Float64Array(n)
  const total = bucket()
  // Each visit's distinct pages, then its distinct event names, in first-seen
  // order with how often each occurs (for the tallies and the sessions' texts).
  const distinct = new Int32Array(d.steps)
  const distinctCount = new Int32Array(d.steps)
  const pagesFrom = new Int32Array(n + 1)
  const namesFrom = new Int32Array(n)
  const seenIn = [new Int32Array(d.pages.size).fill(-1), new Int32Array(d.names.size).fill(-1)]
  const seenAt = [new Int32Array(d.pages.size), new Int32Array(d.names.size)]
  let m = 0
  for (let i = 0; i < n; i++) {
    const vid = vids[i]!
    const start = d.start[i]!
    const duration = d.end[i]! - start
    const pv = d.pageviews[i]!
    const ev = d.events[i]!
    const bounce = d.bounced(i)
    const hour = clock.hourStart(start)
    hourOf[i] = hour
    let h = hours.get(hour)
    if (!h) hours.set(hour, (h = bucket()))
    addVisit(total, vid, pv, ev, bounce, duration)
    addVisit(h, vid, pv, ev, bounce, duration)
    for (let k = 0; k < DIMS; k++)
      dims[k]!.addVisit(d.dims[i * DIMS + k]!, vid, pv, ev, bounce, duration)
    pagesFrom[i] = m
    for (let kind = 0; kind < 2; kind++) {
      if (kind === 1) namesFrom[i] = m
      if (kind === 1 && ev === 0) break
      const first = m
      const seen = seenIn[kind]!
      const at = seenAt[kind]!
      for (let s = d.stepFrom[i]!; s < d.stepFrom[i + 1]!; s++) {
        if (d.stepIsEvent[s] !== kind) continue
        const code = d.stepCode[s]!
        if (seen[code] === i) {
          distinctCount[at[code]!]!++
        } else {
          seen[code] = i
          at[code] = m
          distinct[m] = code
          distinctCount[m++] = 1
        }
      }
      const tally = kind === 0 ? pages : names
      const sums = kind === 0 ? pages.pageviews : names.events
      for (let k = first; k < m; k++) {
        tally.add(distinct[k]!, vid)
        sums[distinct[k]!]! += distinctCount[k]!
      }
    }
  }
  pagesFrom[n] = m

  for (const [hour, b] of hours) {
    out.hours.push([
      siteId,
      hour,
      day,
      new Set(b.vids).size,
      b.visits,
      b.pageviews,
      b.events,
      b.bounces,
      b.duration,
    ])
  }
  const set = encodeSet(total.vids)
  out.days.push([
    siteId,
    '',
    day,
    null,
    set.byteLength / 4,
    total.visits,
    total.pageviews,
    total.events,
    total.bounces,
    total.duration,
    set,
  ])
  const tallyRows = (dim: string, t: Tally, dict: Dictionary) =>
    t.each((code, vset) => {
      out.days.push([
        siteId,
        dim,
        day,
        dict.values[code],
        vset.byteLength / 4,
        t.visits[code],
        t.pageviews[code],
        t.events[code],
        t.bounces[code],
        t.duration[code],
        vset,
      ])
    })
  dims.forEach((t, k) => tallyRows(VISIT_DIMENSIONS[k]!, t, d.dictionary(k)))
  tallyRows('page', pages, d.pages)
  tallyRows('event', names, d.names)

  // Facts: `(vid, ms since midnight)` of every page view and event by page
  // and by event name (in visit and time order: a stable counting sort by
  // code), and of every experiment exposure.
  const exposures = new Map<string, number[]>()
  for (const [i, list] of d.exposures) {
    for (const x of list) {
      const key = `exp:${x.experiment}\u001f${x.variant}`
      let pairs = exposures.get(key)
      if (!pairs) exposures.set(key, (pairs = []))
      pairs.push(vids[i]!, x.ts - dayStart)
    }
  }
  for (const [key, pairs] of exposures) {
    const arr = Uint32Array.from(pairs)
    out.facts.push([siteId, key, day, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength)])
  }
  const dicts = [d.pages, d.names]
  const starts = dicts.map((dict) => new Int32Array(dict.size + 1))
  for (let s = 0; s < d.steps; s++) starts[d.stepIsEvent[s]!]![d.stepCode[s]! + 1]!++
  for (const at of starts) for (let c = 0; c + 1 < at.length; c++) at[c + 1]! += at[c]!
  const fills = starts.map((at) => at.slice(0, at.length - 1))
  const pairs = starts.map((at) => new Uint32Array(2 * at[at.length - 1]!))
  for (let i = 0; i < n; i++) {
    for (let s = d.stepFrom[i]!; s < d.stepFrom[i + 1]!; s++) {
      const kind = d.stepIsEvent[s]!
      const at = 2 * fills[kind]![d.stepCode[s]!]!++
      pairs[kind]![at] = vids[i]!
      pairs[kind]![at + 1] = d.stepTime[s]! - dayStart
    }
  }
  for (let kind = 0; kind < 2; kind++) {
    const at = starts[kind]!
    const prefix = kind === 0 ? 'page:' : 'event:'
    for (let c = 1; c + 1 < at.length; c++) {
      if (at[c] === at[c + 1]) continue
      const blob = Buffer.from(pairs[kind]!.buffer, 8 * at[c]!, 8 * (at[c + 1]! - at[c]!))
      out.facts.push([siteId, prefix + dicts[kind]!.values[c], day, blob])
    }
  }

  out.sessions = (insert) => {
    const params: unknown[] = [siteId, day]
    const lines: (string | undefined)[][] = [[], []]
    for (let i = 0; i < n; i++) {
      const start = d.start[i]!
      params[2] = hourOf[i]
      params[3] = vids[i]
      params[4] = start
      params[5] = d.end[i]! - start
      params[6] = d.pageviews[i]
      params[7] = d.events[i]
      params[8] = d.bounced(i) ? 1 : 0
      for (let k = 0; k < DIMS; k++) params[9 + k] = d.dictionary(k).values[d.dims[i * DIMS + k]!]
      let pagesText = '\n'
      for (let k = pagesFrom[i]!; k < namesFrom[i]!; k++) {
        pagesText += `${lineName(lines[0]!, d.pages, distinct[k]!)}\t${distinctCount[k]}\n`
      }
      let namesText = '\n'
      for (let k = namesFrom[i]!; k < pagesFrom[i + 1]!; k++) {
        namesText += `${lineName(lines[1]!, d.names, distinct[k]!)}\t${distinctCount[k]}\n`
      }
      const props = d.props.get(i)
      params[9 + DIMS] = pagesText
      params[10 + DIMS] = namesText
      params[11 + DIMS] = props ? `\n${[...props].join('\n')}\n` : '\n'
      insert(params)
    }
  }
  return out
}

/** Totals of the day or of one hour. */
interface Bucket {
  /** Visitor numbers, with repeats (`encodeSet` sorts and dedupes). */
  vids: number[]
  visits: number
  pageviews: number
  events: number
  bounces: number
  duration: number
}

const bucket = (): Bucket => ({
  vids: [],
  visits: 0,
  pageviews: 0,
  events: 0,
  bounces: 0,
  duration: 0,
})

function addVisit(
  b: Bucket,
  vid: number,
  pageviews: number,
  events: number,
  bounce: boolean,
  duration: number,
) {
  b.vids.push(vid)
  b.visits++
  b.pageviews += pageviews
  b.events += events
  if (bounce) b.bounces++
  b.duration += duration
}
