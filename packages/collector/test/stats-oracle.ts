/**
 * The correctness oracle of the stats API: generated traffic with sessions
 * that cross midnight, gaps either side of 30 minutes, duplicates, bots and
 * late events goes in through the real ingest route; every endpoint's answer
 * must equal a straightforward computation over the raw events read back
 * from the store. The oracle below shares no code with the aggregation: it
 * finds local days and hours with `Intl.DateTimeFormat`, not the
 * aggregation's offset cache.
 */
import {
  breakdownSchema,
  experimentListSchema,
  experimentSchema,
  funnelSchema,
  overviewSchema,
  realtimeSchema,
  retentionSchema,
  timeseriesSchema,
} from '@pipit/protocol/schema'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { createSiteWithKeys } from '../src/routes/sites'
import { analyseExperiment } from '../src/stats/experiment-math'
import type { StoreFactory } from '../src/store/conformance'
import type { StoredEvent } from '../src/store/types'
import { ADMIN_KEY, testApp } from './helpers'

const HOUR = 3_600_000
const MIN = 60_000
const BOT = 2

/** A seeded PRNG (mulberry32), so a failing case can be replayed. */
function rng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
]
const BOT_AGENT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const PAGES = ['/', '/pricing', '/docs', '/blog/a', '/blog/b', '/about']
const REFERRERS = [
  null,
  'https://www.google.com/',
  'https://twitter.com/p/1',
  'https://news.example.org/x',
]

/**
 * Traffic of `visitors` visitors over the local days starting at `firstDay`:
 * each visit is a chain of page views and events, some starting just before
 * midnight, some with 29- and 31-minute gaps.
 */
export function generate(seed: number, startMs: number, days: number, visitors: number) {
  const random = rng(seed)
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
  const messages: Record<string, unknown>[] = []
  let n = 0
  for (let v = 0; v < visitors; v++) {
    const anonymousId = `visitor-${seed}-${v}`
    const agent = v % 17 === 16 ? BOT_AGENT : pick(AGENTS)
    const variant = v % 2 ? 'control' : 'treatment'
    const visits = 1 + Math.floor(random() * 4)
    for (let s = 0; s < visits; s++) {
      let t = startMs + Math.floor(random() * days * 24 * HOUR)
      // Every fifth visit starts 20 minutes before some local midnight (roughly: offsets differ).
      if (s % 5 === 4) t = Math.floor(t / (24 * HOUR)) * 24 * HOUR - 20 * MIN
      const referrer = pick(REFERRERS)
      const campaign =
        random() < 0.2 ? { source: 'newsletter', medium: 'email', name: 'spring' } : undefined
      const length = 1 + Math.floor(random() * 6)
      let previous = '/'
      for (let i = 0; i < length; i++) {
        const r = random()
        const base = {
          messageId: `m-${seed}-${++n}`,
          anonymousId,
          timestamp: new Date(t).toISOString(),
          context: {
            userAgent: agent,
            ...(i === 0 && campaign ? { campaign } : {}),
            page: {
              url: `https://shop.example${previous}`,
              referrer: i === 0 ? referrer : `https://shop.example${previous}`,
            },
          },
        }
        if (r < 0.65 || i === 0) {
          const path = i === 0 && random() < 0.5 ? '/' : pick(PAGES)
          base.context.page.url = `https://shop.example${path}`
          messages.push({ ...base, type: 'page', properties: { path } })
          previous = path
        } else if (r < 0.8) {
          messages.push({
            ...base,
            type: 'track',
            event: 'Signup',
            properties: { plan: random() < 0.5 ? 'pro' : 'free' },
          })
        } else if (r < 0.9) {
          messages.push({
            ...base,
            type: 'track',
            event: 'Experiment Viewed',
            properties: { experiment_id: 'exp1', variant },
          })
        } else {
          messages.push({
            ...base,
            type: 'track',
            event: 'Add to cart',
            properties: { sku: `sku-${i}` },
          })
        }
        const gap = random()
        t += gap < 0.1 ? 29 * MIN : gap < 0.2 ? 31 * MIN : Math.floor(random() * 8 * MIN) + 1000
      }
    }
  }
  return messages
}

// ---------------------------------------------------------------------------
// The oracle: plain computations over raw events.

function localParts(ts: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ts))
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return {
    hour: get('hour'),
    day: `${get('year')}-${get('month')}-${get('day')}`,
    minute: Number(get('minute')),
    second: Number(get('second')),
  }
}

interface OracleVisit {
  visitor: string
  day: string
  hour: string
  start: number
  end: number
  pageviews: number
  events: number
  attrs: Record<string, string | null>
  pages: Map<string, number>
  names: Map<string, number>
  props: Set<string>
  items: StoredEvent[]
}

function hostOf(url: string | null) {
  if (!url) return null
  try {
    return new URL(url).hostname.replace(/^www\./, '')
  } catch {
    return null
  }
}

function oracleVisits(raw: StoredEvent[], timeZone: string): OracleVisit[] {
  const events = raw
    .filter((e) => (e.flags & BOT) === 0 && ['page', 'screen', 'track'].includes(e.type))
    .sort(
      (a, b) =>
        a.visitorId.localeCompare(b.visitorId) ||
        a.timestamp - b.timestamp ||
        a.messageId.localeCompare(b.messageId),
    )
  const visits: OracleVisit[] = []
  let cur: OracleVisit | undefined
  for (const e of events) {
    const local = localParts(e.timestamp, timeZone)
    if (
      !cur ||
      cur.visitor !== e.visitorId ||
      e.timestamp - cur.end > 30 * MIN ||
      local.day !== cur.day
    ) {
      const ms = e.timestamp % 1000
      const refHost = hostOf(e.referrer)
      cur = {
        visitor: e.visitorId,
        day: local.day,
        hour: new Date(e.timestamp - local.minute * MIN - local.second * 1000 - ms).toISOString(),
        start: e.timestamp,
        end: e.timestamp,
        pageviews: 0,
        events: 0,
        attrs: {
          entry_page: null,
          exit_page: null,
          referrer: refHost && refHost !== hostOf(e.url) ? refHost : null,
          source: e.source,
          channel: e.channel,
          utm_source: e.utmSource,
          utm_medium: e.utmMedium,
          utm_campaign: e.utmCampaign,
          utm_term: e.utmTerm,
          utm_content: e.utmContent,
          browser: e.browser,
          os: e.os,
          device_type: e.deviceType,
          country: e.country,
        },
        pages: new Map(),
        names: new Map(),
        props: new Set(),
        items: [],
      }
      visits.push(cur)
    }
    cur.end = e.timestamp
    cur.items.push(e)
    if (e.type === 'track') {
      cur.events++
      cur.names.set(e.name ?? '', (cur.names.get(e.name ?? '') ?? 0) + 1)
      for (const [k, v] of Object.entries(e.properties ?? {})) cur.props.add(`${k}=${String(v)}`)
    } else {
      const page = e.path ?? e.name ?? ''
      cur.pageviews++
      cur.attrs.entry_page ??= page
      cur.attrs.exit_page = page
      cur.pages.set(page, (cur.pages.get(page) ?? 0) + 1)
    }
  }
  return visits
}

type Filter = { dimension: string; op: 'is' | 'is_not' | 'contains'; value: string | null }

function visitMatches(v: OracleVisit, f: Filter): boolean {
  if (f.dimension === 'page' || f.dimension === 'event' || f.dimension.startsWith('prop:')) {
    const values =
      f.dimension === 'page'
        ? [...v.pages.keys()]
        : f.dimension === 'event'
          ? [...v.names.keys()]
          : [...v.props]
              .filter((p) => p.startsWith(`${f.dimension.slice(5)}=`))
              .map((p) => p.slice(f.dimension.length - 4))
    if (f.op === 'contains')
      return values.some((x) => x.toLowerCase().includes(f.value!.toLowerCase()))
    const has = values.includes(f.value ?? '')
    return f.op === 'is' ? has : !has
  }
  const actual = v.attrs[f.dimension] ?? null
  if (f.op === 'contains')
    return actual !== null && actual.toLowerCase().includes(f.value!.toLowerCase())
  return f.op === 'is' ? actual === f.value : actual !== f.value
}

function select(visits: OracleVisit[], from: string, to: string, filters: Filter[] = []) {
  return visits.filter(
    (v) => v.day >= from && v.day <= to && filters.every((f) => visitMatches(v, f)),
  )
}

function metrics(visits: OracleVisit[]) {
  const n = visits.length
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d
  const pageviews = visits.reduce((s, v) => s + v.pageviews, 0)
  return {
    visitors: new Set(visits.map((v) => v.visitor)).size,
    visits: n,
    pageviews,
    events: visits.reduce((s, v) => s + v.events, 0),
    bounceRate: n
      ? round(visits.filter((v) => v.pageviews === 1 && v.events === 0).length / n, 4)
      : null,
    visitDuration: n ? round(visits.reduce((s, v) => s + v.end - v.start, 0) / n / 1000, 1) : null,
    viewsPerVisit: n ? round(pageviews / n, 2) : null,
  }
}

function weekOf(day: string) {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  return d.toISOString().slice(0, 10)
}

function groupBy<T>(list: T[], key: (t: T) => string | string[] | null) {
  const out = new Map<string | null, T[]>()
  for (const item of list) {
    const keys = key(item)
    for (const k of Array.isArray(keys) ? keys : [keys]) {
      out.set(k, [...(out.get(k) ?? []), item])
    }
  }
  return out
}

/**
 * Page views right at the edges: seconds either side of every local midnight
 * and of every offset change (DST), found with Intl on a quarter-hour grid
 * (every zone's offsets are multiples of 15 minutes).
 */
function edgeEvents(startMs: number, endMs: number, timeZone: string) {
  const offsetAt = (ts: number) => {
    const p = localParts(ts, timeZone)
    const wall =
      Date.parse(`${p.day}T00:00:00Z`) + (Number(p.hour) * 60 + p.minute) * MIN + p.second * 1000
    return wall - Math.floor(ts / 1000) * 1000
  }
  const edges: number[] = []
  for (let t = startMs + 15 * MIN; t < endMs; t += 15 * MIN) {
    if (localParts(t, timeZone).day !== localParts(t - 1000, timeZone).day) edges.push(t)
    else if (offsetAt(t) !== offsetAt(t - 15 * MIN)) edges.push(t)
  }
  return edges.flatMap((edge, i) =>
    [-20 * MIN, -10_000, 10_000, 20 * MIN].map((delta, j) => ({
      type: 'page',
      messageId: `edge-${i}-${j}`,
      anonymousId: `edge-visitor-${i % 3}`,
      timestamp: new Date(edge + delta).toISOString(),
      properties: { path: `/edge-${j}` },
      context: { userAgent: AGENTS[0], page: { url: `https://shop.example/edge-${j}` } },
    })),
  )
}

// ---------------------------------------------------------------------------

/** The published schema of each stats answer (`@pipit/protocol/schema`). */
const ANSWERS: [RegExp, z.ZodType][] = [
  [/^\/v1\/stats\/overview\?/, overviewSchema],
  [/^\/v1\/stats\/timeseries\?/, timeseriesSchema],
  [/^\/v1\/stats\/breakdown\?/, breakdownSchema],
  [/^\/v1\/stats\/realtime\?/, realtimeSchema],
  [/^\/v1\/stats\/retention\?/, retentionSchema],
  [/^\/v1\/stats\/funnel$/, funnelSchema],
  [/^\/v1\/stats\/experiments\?/, experimentListSchema],
  [/^\/v1\/stats\/experiments\/[^/?]+\?/, experimentSchema],
]

/** The answer, after checking it is exactly what its schema describes (no field missing, none extra). */
function conforms(path: string, json: Record<string, unknown>) {
  const schema = ANSWERS.find(([pattern]) => pattern.test(path))?.[1]
  expect(schema, `a published schema for ${path}`).toBeDefined()
  expect(schema!.parse(json), path).toEqual(json)
  return json
}

const CASES = [
  // +05:30 and +05:45, no DST; Berlin across the March DST change (a 23-hour day)
  // and the October one (25 hours); New York for a negative offset.
  { id: 'in', timezone: 'Asia/Kolkata', from: '2026-03-26', to: '2026-04-01' },
  { id: 'np', timezone: 'Asia/Kathmandu', from: '2026-03-26', to: '2026-04-01' },
  { id: 'de', timezone: 'Europe/Berlin', from: '2026-03-26', to: '2026-04-01' },
  { id: 'fall', timezone: 'Europe/Berlin', from: '2026-10-22', to: '2026-10-28' },
  { id: 'ny', timezone: 'America/New_York', from: '2026-03-05', to: '2026-03-11' },
]

/**
 * The oracle as a suite: every store runs it (`stats-oracle.test.ts` for
 * SQLite, each server adapter's test file for its own), so every store gives
 * the same numbers.
 *
 * @example
 * describeStatsOracle('sqlite', () => createSqliteStore({ path: tmpDb() }))
 */
export function describeStatsOracle(name: string, createStore?: StoreFactory): void {
  describe.each(CASES)(
    `stats oracle on ${name} in $timezone, $from to $to`,
    ({ id, timezone, from, to }) => {
      it('answers every endpoint exactly as a direct computation over the raw events', async () => {
        const seed = [...id].reduce((s, c) => s * 31 + c.charCodeAt(0), 7)
        const startMs = Date.parse(`${from}T00:00:00Z`) - 12 * HOUR
        const endMs = Date.parse(`${to}T00:00:00Z`) + 36 * HOUR
        // "Now" lies inside the generated traffic, so realtime has something to count.
        const nowMs = endMs - 3 * HOUR
        const { app, store } = await testApp({
          now: () => nowMs,
          ...(createStore ? { store: createStore } : {}),
        })
        const site = await createSiteWithKeys(store, { id, timezone }, 0)
        const auth = { authorization: `Bearer ${site.readKey}` }
        const get = async (path: string) => {
          const res = await app.request(path, { headers: auth })
          expect(res.status, path).toBe(200)
          return conforms(path, (await res.json()) as Record<string, unknown>)
        }
        const send = async (batch: unknown[]) => {
          for (let i = 0; i < batch.length; i += 200) {
            const res = await app.request('/v1/batch', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ writeKey: site.writeKey, batch: batch.slice(i, i + 200) }),
            })
            expect(res.status).toBe(200)
          }
        }

        const all = [
          ...generate(seed, startMs, (endMs - startMs) / (24 * HOUR), 60),
          ...edgeEvents(startMs, nowMs, timezone),
        ]
        // Late events: a tenth of the traffic arrives after the first answers (offline queues).
        const late = all.filter((_, i) => i % 10 === 3)
        const onTime = all.filter((_, i) => i % 10 !== 3)
        await send(onTime)
        await get(`/v1/stats/overview?site=${id}&from=${from}&to=${to}`)
        // Duplicates: every seventh event again, with the late ones.
        await send([...late, ...all.filter((_, i) => i % 7 === 0)])

        const raw = await store.listEvents(id)
        expect(raw.length).toBe(all.length) // stored once each
        expect(raw.some((e) => (e.flags & BOT) !== 0)).toBe(true)
        const visits = oracleVisits(raw, timezone)
        expect(
          visits.some((v) => v.items.some((e) => localParts(e.timestamp, timezone).day !== v.day)),
        ).toBe(false)
        const q = `site=${id}&from=${from}&to=${to}`

        // Overview, with the previous period.
        const overview = await get(`/v1/stats/overview?${q}`)
        expect(overview).toMatchObject({ ...metrics(select(visits, from, to)), uniques: 'exact' })
        const prev = overview.previous as { from: string; to: string }
        expect(overview.previous).toMatchObject(metrics(select(visits, prev.from, prev.to)))
        for (const day of [from, to]) {
          expect(await get(`/v1/stats/overview?site=${id}&from=${day}&to=${day}`)).toMatchObject(
            metrics(select(visits, day, day)),
          )
        }

        // Timeseries by hour, day, week and month: every bucket, zeros filled.
        const inRange = select(visits, from, to)
        const expectSeries = async (
          interval: string,
          bucket: (v: OracleVisit) => string,
          filters = '',
          subset = inRange,
        ) => {
          const body = await get(`/v1/stats/timeseries?${q}&interval=${interval}${filters}`)
          const results = body.results as { date: string }[]
          const groups = groupBy(subset, bucket)
          for (const [key, list] of groups) {
            expect(
              results.find((r) => r.date === key),
              `${interval} ${key}`,
            ).toMatchObject(metrics(list))
          }
          for (const r of results.filter((r) => !groups.has(r.date))) {
            expect(r).toMatchObject({ visitors: 0, visits: 0, pageviews: 0 })
          }
          return results
        }
        const hours = await expectSeries('hour', (v) => v.hour)
        const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1
        const dstShift = id === 'de' ? -1 : id === 'fall' ? 1 : id === 'ny' ? -1 : 0
        expect(hours.length).toBe(days * 24 + dstShift)
        expect((await expectSeries('day', (v) => v.day)).length).toBe(days)
        await expectSeries('week', (v) => weekOf(v.day))
        await expectSeries('month', (v) => `${v.day.slice(0, 7)}-01`)

        // Breakdowns by every dimension, unfiltered (rollups) and filtered (visits).
        const filters: Filter[][] = [
          [],
          [{ dimension: 'source', op: 'is', value: 'Google' }],
          [{ dimension: 'page', op: 'is', value: '/pricing' }],
          [
            { dimension: 'event', op: 'is', value: 'Signup' },
            { dimension: 'browser', op: 'is_not', value: 'Firefox' },
          ],
          [{ dimension: 'prop:plan', op: 'is', value: 'pro' }],
          [{ dimension: 'referrer', op: 'is', value: null }],
          [{ dimension: 'page', op: 'contains', value: 'BLOG' }],
          [{ dimension: 'page', op: 'is_not', value: '/' }],
          [{ dimension: 'utm_campaign', op: 'contains', value: 'spr' }],
        ]
        const param = (fs: Filter[]) =>
          fs
            .map((f) => `&filter=${encodeURIComponent(`${f.dimension}:${f.op}:${f.value ?? ''}`)}`)
            .join('')
        const dimensions = [
          'entry_page',
          'exit_page',
          'referrer',
          'source',
          'channel',
          'utm_source',
          'utm_medium',
          'utm_campaign',
          'browser',
          'os',
          'device_type',
          'country',
          'page',
          'event',
          'prop:plan',
        ]
        for (const fs of filters) {
          const subset = select(visits, from, to, fs)
          expect(
            await get(`/v1/stats/overview?${q}${param(fs)}`),
            JSON.stringify(fs),
          ).toMatchObject(metrics(subset))
          if (fs.length) await expectSeries('day', (v) => v.day, param(fs), subset)
          for (const dimension of dimensions) {
            const body = await get(
              `/v1/stats/breakdown?${q}&dimension=${dimension}&limit=1000${param(fs)}`,
            )
            const rows = body.results as Record<string, unknown>[]
            const expected = groupBy(subset, (v) =>
              dimension === 'page'
                ? [...v.pages.keys()]
                : dimension === 'event'
                  ? [...v.names.keys()]
                  : dimension === 'prop:plan'
                    ? [...v.props].filter((p) => p.startsWith('plan=')).map((p) => p.slice(5))
                    : v.attrs[dimension]!,
            )
            expect(rows.length, `${dimension} ${JSON.stringify(fs)}`).toBe(expected.size)
            for (const [value, list] of expected) {
              const row = rows.find((r) => r.value === value)
              const m = metrics(list)
              const want =
                dimension === 'page'
                  ? {
                      visitors: m.visitors,
                      visits: m.visits,
                      pageviews: list.reduce((s, v) => s + v.pages.get(value!)!, 0),
                    }
                  : dimension === 'event'
                    ? {
                        visitors: m.visitors,
                        visits: m.visits,
                        events: list.reduce((s, v) => s + v.names.get(value!)!, 0),
                      }
                    : m
              expect(row, `${dimension}=${value} ${JSON.stringify(fs)}`).toMatchObject(want)
            }
          }
        }

        // Ranked pages of a breakdown: the rows above (checked against the oracle),
        // ranked by the chosen metric with the value breaking ties, page by page.
        // Small pages make the store prune values by their visitor bounds.
        type Row = Record<string, number | string | null>
        const rank = (key: string, order: string) => (a: Row, b: Row) => {
          const x = a[key] ?? null
          const y = b[key] ?? null
          if (x === y) return String(a.value ?? '') < String(b.value ?? '') ? -1 : 1
          if (x === null) return 1
          if (y === null) return -1
          return (x < y ? -1 : 1) * (order === 'asc' ? 1 : -1)
        }
        for (const dimension of ['page', 'entry_page', 'exit_page', 'source', 'referrer']) {
          const all = (await get(`/v1/stats/breakdown?${q}&dimension=${dimension}&limit=1000`))
            .results as Row[]
          expect(all.length, dimension).toBeGreaterThan(3)
          for (const [key, order] of [
            ['visitors', 'desc'],
            ['visitors', 'asc'],
            ['pageviews', 'desc'],
            ['bounceRate', 'asc'],
            ['value', 'asc'],
          ] as const) {
            const want = [...all].sort(rank(key, order))
            for (const page of [1, 2]) {
              const body = await get(
                `/v1/stats/breakdown?${q}&dimension=${dimension}&sort=${key}&order=${order}&limit=3&page=${page}`,
              )
              expect(body.total, `${dimension} by ${key} ${order}`).toBe(all.length)
              expect(body.results, `${dimension} by ${key} ${order}, page ${page}`).toEqual(
                want.slice((page - 1) * 3, page * 3),
              )
            }
          }
        }

        // Goals: a saved goal's conversions in the overview and a goal column in breakdowns.
        const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }
        const created = await app.request(`/v1/stats/goals?site=${id}`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ name: 'Signups', event: 'Signup' }),
        })
        expect(created.status).toBe(201)
        const converted = (list: OracleVisit[]) =>
          new Set(list.filter((v) => v.names.has('Signup')).map((v) => v.visitor)).size
        const withGoal = await get(`/v1/stats/overview?${q}`)
        const m = metrics(inRange)
        expect(withGoal.goals).toEqual([
          expect.objectContaining({
            name: 'Signups',
            visitors: converted(inRange),
            conversionRate: Math.round((converted(inRange) / m.visitors) * 10_000) / 10_000,
          }),
        ])
        const bySource = await get(`/v1/stats/breakdown?${q}&dimension=source&goal=event:Signup`)
        for (const [value, list] of groupBy(inRange, (v) => v.attrs.source!)) {
          const row = (bySource.results as Record<string, unknown>[]).find((r) => r.value === value)
          expect(row).toMatchObject({ conversions: converted(list) })
        }

        // Funnel: first "/" view in range, then /pricing, then Signup, each within a day of the first.
        const steps = [
          { page: '/' },
          { page: '/pricing' },
          { event: 'Signup', properties: { plan: 'pro' } },
        ]
        const windowMs = 24 * HOUR
        const funnelRes = await app.request('/v1/stats/funnel', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ site: id, from, to, steps, windowMs }),
        })
        expect(funnelRes.status).toBe(200)
        const funnel = conforms(
          '/v1/stats/funnel',
          (await funnelRes.json()) as Record<string, unknown>,
        ) as {
          steps: Record<string, unknown>[]
        }
        const byVisitor = groupBy(
          inRange.flatMap((v) => v.items),
          (e) => e.visitorId,
        )
        const matchesStep = (e: StoredEvent, s: (typeof steps)[number]) =>
          'page' in s
            ? e.type === 'page' && e.path === s.page
            : e.type === 'track' && e.name === s.event && e.properties?.plan === s.properties.plan
        const reached = steps.map(() => [] as number[]) // per step: ms from the previous step
        for (const list of byVisitor.values()) {
          const sorted = [...list].sort((a, b) => a.timestamp - b.timestamp)
          const first = sorted.find((e) => matchesStep(e, steps[0]!))
          if (!first) continue
          reached[0]!.push(0)
          let at = first.timestamp
          for (let k = 1; k < steps.length; k++) {
            const next = sorted.find(
              (e) =>
                e.timestamp >= at &&
                e.timestamp - first.timestamp <= windowMs &&
                matchesStep(e, steps[k]!),
            )
            if (!next) break
            reached[k]!.push(next.timestamp - at)
            at = next.timestamp
          }
        }
        const median = (xs: number[]) => {
          if (!xs.length) return null
          const s = [...xs].sort((a, b) => a - b)
          const mid = s.length >> 1
          return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
        }
        expect(reached[1]!.length).toBeGreaterThan(0)
        funnel.steps.forEach((step, k) => {
          expect(step).toMatchObject({
            visitors: reached[k]!.length,
            dropOff: (k === 0 ? reached[0]! : reached[k - 1]!).length - reached[k]!.length,
            medianTimeToConvertMs: k === 0 ? 0 : median(reached[k]!),
          })
        })

        // Retention: cohorts by first-seen day, active on each of the next 3 days.
        const retention = await get(`/v1/stats/retention?${q}&period=day&periods=3`)
        const firstDay = new Map<string, string>()
        const activeDays = new Map<string, Set<string>>()
        for (const v of visits) {
          if (!firstDay.has(v.visitor) || v.day < firstDay.get(v.visitor)!)
            firstDay.set(v.visitor, v.day)
          activeDays.set(v.visitor, (activeDays.get(v.visitor) ?? new Set()).add(v.day))
        }
        const cohorts = groupBy(
          [...firstDay].filter(([, d]) => d >= from && d <= to),
          ([, d]) => d,
        )
        const today = localParts(nowMs, timezone).day
        expect((retention.cohorts as unknown[]).length).toBe(cohorts.size)
        for (const [day, members] of cohorts) {
          const row = (
            retention.cohorts as {
              cohort: string
              visitors: number
              retention: { visitors: number | null }[]
            }[]
          ).find((c) => c.cohort === day)!
          expect(row.visitors).toBe(members.length)
          for (let k = 0; k <= 3; k++) {
            const target = new Date(Date.parse(`${day}T00:00:00Z`) + k * 86_400_000)
              .toISOString()
              .slice(0, 10)
            const want =
              target > today
                ? null
                : members.filter(([vis]) => activeDays.get(vis)!.has(target)).length
            expect(row.retention[k]!.visitors, `${day} +${k}`).toBe(want)
          }
        }

        // Experiments: first exposure per visitor, conversions after it.
        const experiment = await get(`/v1/stats/experiments/exp1?${q}&goal=event:Signup`)
        const exposure = new Map<string, { variant: string; ts: number }>()
        for (const e of inRange.flatMap((v) => v.items)) {
          if (e.name !== 'Experiment Viewed') continue
          const seen = exposure.get(e.visitorId)
          if (!seen || e.timestamp < seen.ts) {
            exposure.set(e.visitorId, { variant: String(e.properties!.variant), ts: e.timestamp })
          }
        }
        const variantCounts = ['control', 'treatment'].map((variant) => {
          const exposed = [...exposure].filter(([, x]) => x.variant === variant)
          const conversions = exposed.filter(([vis, x]) =>
            inRange.some(
              (v) =>
                v.visitor === vis &&
                v.items.some((e) => e.name === 'Signup' && e.timestamp >= x.ts),
            ),
          ).length
          return { name: variant, exposed: exposed.length, conversions }
        })
        // The statistics themselves are tested in experiment-math.test.ts; here the
        // route must hand them the oracle's counts and return their every field.
        expect(experiment).toMatchObject({
          experiment: 'exp1',
          ...analyseExperiment(variantCounts, 'control'),
        })

        // The experiment list: every experiment exposed in the range, its variants, exposed visitors.
        const experimentVariants = new Map<string, Set<string>>()
        const experimentVisitors = new Map<string, Set<string>>()
        for (const e of inRange.flatMap((v) => v.items)) {
          if (e.name !== 'Experiment Viewed') continue
          const id = String(e.properties!.experiment_id)
          experimentVariants.set(
            id,
            (experimentVariants.get(id) ?? new Set()).add(String(e.properties!.variant)),
          )
          experimentVisitors.set(id, (experimentVisitors.get(id) ?? new Set()).add(e.visitorId))
        }
        expect(experimentVariants.size).toBeGreaterThan(0)
        expect((await get(`/v1/stats/experiments?${q}`)).experiments).toEqual(
          [...experimentVariants]
            .map(([id, variants]) => ({
              id,
              variants: [...variants].sort(),
              exposed: experimentVisitors.get(id)!.size,
            }))
            .sort((a, b) => b.exposed - a.exposed || (a.id < b.id ? -1 : 1)),
        )

        // Realtime: the last 30 minutes before "now", per minute (the generated traffic reaches into them).
        const realtime = await get(`/v1/stats/realtime?site=${id}`)
        const recent = raw.filter((e) => (e.flags & BOT) === 0 && e.type !== 'identify')
        const firstMinute = Math.floor(nowMs / MIN) * MIN - 29 * MIN
        expect(realtime.visitors).toBe(
          new Set(
            recent
              .filter((e) => e.timestamp > nowMs - 5 * MIN && e.timestamp <= nowMs)
              .map((e) => e.visitorId),
          ).size,
        )
        expect(realtime.minutes).toEqual(
          Array.from({ length: 30 }, (_, i) => {
            const start = firstMinute + i * MIN
            const inMinute = recent.filter(
              (e) => e.timestamp >= start && e.timestamp < Math.min(start + MIN, nowMs + 1),
            )
            return {
              start: new Date(start).toISOString(),
              visitors: new Set(inMinute.map((e) => e.visitorId)).size,
              pageviews: inMinute.filter((e) => e.type === 'page').length,
            }
          }),
        )

        // Rebuilding from scratch and running again change nothing.
        const before = await get(`/v1/stats/breakdown?${q}&dimension=page&limit=1000`)
        await store.aggregate({ rebuild: true })
        await store.aggregate()
        expect(await get(`/v1/stats/breakdown?${q}&dimension=page&limit=1000`)).toEqual(before)
      })
    },
  )
}
