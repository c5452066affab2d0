// Synthetic traffic for the stats benchmark: writes realistic raw events
// straight into a SQLite file, far faster than ingesting them over HTTP could.
//
// import { generateEvents } from './generate.js'
// await generateEvents({ path: 'bench.db', events: 1_000_000, days: 60, endMs: Date.now() })
//
// CLI: node packages/collector/bench/generate.js <path> <events> [days]
//      (events may be written 200k, 1M, 1e6; the data ends now)
//
// Everything is drawn from one seeded PRNG, so the same options (seed, endMs
// included) give the same rows byte for byte.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../dist/index.js'

const SECOND = 1_000
const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
/** Rows per transaction: big enough to amortise the commit, small enough for steady progress. */
const TX_ROWS = 50_000
/** Events per visitor in the pool (the brief of the benchmark: tens to hundreds of thousands). */
const EVENTS_PER_VISITOR = 40
/** Two visits of one visitor are at least this far apart, well over the 30-minute visit gap. */
const MIN_RETURN_GAP = HOUR
const HOST = 'https://bench.example'

/** Same order as EVENT_COLUMNS in src/store/sqlite/rows.ts. */
const COLUMNS = [
  'site_id',
  'message_id',
  'type',
  'name',
  'anonymous_id',
  'user_id',
  'visitor_id',
  'timestamp',
  'received_at',
  'path',
  'url',
  'referrer',
  'properties',
  'traits',
  'context',
  'browser',
  'os',
  'device_type',
  'country',
  'source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'flags',
]

/** mulberry32: tiny, fast and good enough for synthetic data; returns floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A picker over `[value, weight]` pairs: cumulative weights and a binary search. */
function weighted(pairs) {
  const values = pairs.map((p) => p[0])
  const cum = new Float64Array(pairs.length)
  let sum = 0
  pairs.forEach((p, i) => (cum[i] = sum += p[1]))
  return (r) => {
    const x = r * sum
    let lo = 0
    let hi = cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cum[mid] > x) hi = mid
      else lo = mid + 1
    }
    return values[lo]
  }
}

const HEX3 = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'))

/** A UUID-ish (version 4 layout) id from the PRNG, so visitor ids repeat with the seed. */
function uuid4(rand) {
  const h = (n) => HEX3[Math.floor(rand() * 4096)].slice(3 - n)
  const v = HEX3[0x800 | Math.floor(rand() * 1024)]
  return `${h(3)}${h(3)}${h(2)}-${h(3)}${h(1)}-4${h(3)}-${v[0]}${h(3)}-${h(3)}${h(3)}${h(3)}${h(3)}`
}

/** FNV-1a: a stable 32-bit hash, for experiment variants that must not change between visits. */
function fnv1a(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * About 300 paths ranked by popularity (Zipf, s = 1): the few site pages
 * first, then docs and blog posts interleaved in a seeded order, as a real
 * site's long tail of content looks.
 */
function buildPages(rand) {
  const head = ['/', '/pricing', '/docs', '/blog', '/features', '/docs/getting-started']
  const tail = [
    '/about',
    '/integrations',
    '/changelog',
    '/login',
    '/customers',
    '/compare/google-analytics',
    '/compare/plausible',
    '/security',
    '/contact',
    '/privacy',
    '/terms',
    '/careers',
  ]
  const topics = ['guides', 'sdk', 'api', 'self-hosting', 'integrations']
  const items = [
    'overview',
    'installation',
    'configuration',
    'events',
    'identify',
    'consent',
    'react',
    'react-native',
    'node',
    'segment',
    'docker',
    'backups',
    'retention',
    'goals',
    'funnels',
    'experiments',
  ]
  const content = []
  for (const t of topics) for (const i of items) content.push(`/docs/${t}/${i}`)
  for (let n = 1; n <= 200; n++) content.push(`/blog/post-${n}`)
  // Fisher-Yates with the seeded PRNG, then the site pages mixed into the first part.
  for (let i = content.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[content[i], content[j]] = [content[j], content[i]]
  }
  tail.forEach((p, i) => content.splice(3 + i * 3, 0, p))
  const ranked = [...head, ...content]
  // Cart, checkout and signup pages are reached through the flows below, not by browsing.
  return { paths: [...ranked, '/cart', '/checkout', '/signup'], browsable: ranked.length }
}

/** Where visits come from, with the enrichment the collector derives for each. */
function trafficTable() {
  const t = (weight, channel, source, referrer, utm = null) => [
    { channel, source, referrer, utm },
    weight,
  ]
  const paidTerms = [
    'web analytics',
    'privacy analytics',
    'google analytics alternative',
    'self hosted analytics',
    'cookieless analytics',
  ]
  return weighted([
    t(40, 'direct', null, null),
    t(25.5, 'search', 'Google', 'https://www.google.com/'),
    t(2.4, 'search', 'Bing', 'https://www.bing.com/'),
    t(2.1, 'search', 'DuckDuckGo', 'https://duckduckgo.com/'),
    t(2.5, 'social', 'Twitter', 'https://t.co/'),
    t(1, 'social', 'Twitter', 'https://t.co/', {
      source: ['twitter'],
      medium: ['social'],
      campaign: ['launch-week'],
      term: [null],
      content: ['thread', 'video'],
    }),
    t(2.5, 'social', 'Reddit', 'https://www.reddit.com/'),
    t(1.5, 'social', 'LinkedIn', 'https://www.linkedin.com/'),
    t(1.5, 'social', 'Hacker News', 'https://news.ycombinator.com/'),
    t(3, 'referral', 'github.com', 'https://github.com/pipit-analytics/pipit'),
    t(1.5, 'referral', 'dev.to', 'https://dev.to/'),
    t(1.2, 'referral', 'stackoverflow.com', 'https://stackoverflow.com/questions'),
    t(1, 'referral', 'producthunt.com', 'https://www.producthunt.com/'),
    t(0.8, 'referral', 'alternativeto.net', 'https://alternativeto.net/'),
    t(1.5, 'referral', 'blog.partner.example', 'https://blog.partner.example/analytics'),
    t(4, 'email', 'newsletter', null, {
      source: ['newsletter'],
      medium: ['email'],
      campaign: ['weekly-digest', 'product-update', 'onboarding'],
      term: [null],
      content: [null, 'header', 'footer'],
    }),
    t(5, 'paid', 'Google', 'https://www.google.com/', {
      source: ['google'],
      medium: ['cpc'],
      campaign: ['brand', 'competitors', 'spring-sale'],
      term: paidTerms,
      content: ['ad-a', 'ad-b'],
    }),
    t(1.5, 'paid', 'Facebook', 'https://m.facebook.com/', {
      source: ['facebook'],
      medium: ['paid_social'],
      campaign: ['retargeting'],
      term: [null],
      content: ['video', 'carousel'],
    }),
    t(0.5, 'paid', 'LinkedIn', 'https://www.linkedin.com/', {
      source: ['linkedin'],
      medium: ['cpc'],
      campaign: ['b2b-launch'],
      term: [null],
      content: ['single-image'],
    }),
  ])
}

const pickDevice = weighted([
  ['desktop', 55],
  ['mobile', 40],
  ['tablet', 5],
])
const pickOs = {
  desktop: weighted([
    ['Windows', 58],
    ['macOS', 32],
    ['Linux', 10],
  ]),
  mobile: weighted([
    ['Android', 55],
    ['iOS', 45],
  ]),
  tablet: weighted([
    ['iOS', 70],
    ['Android', 30],
  ]),
}
const pickBrowser = {
  Windows: weighted([
    ['Chrome', 68],
    ['Edge', 22],
    ['Firefox', 10],
  ]),
  macOS: weighted([
    ['Chrome', 55],
    ['Safari', 35],
    ['Firefox', 10],
  ]),
  Linux: weighted([
    ['Chrome', 60],
    ['Firefox', 40],
  ]),
  iOS: weighted([
    ['Safari', 85],
    ['Chrome', 15],
  ]),
  Android: weighted([
    ['Chrome', 78],
    ['Samsung Internet', 17],
    ['Firefox', 5],
  ]),
}
const pickCountry = weighted([
  ['US', 27],
  ['DE', 13],
  ['GB', 8],
  ['IN', 7],
  ['FR', 6],
  ['BR', 4],
  ['CA', 4],
  ['NL', 3],
  ['ES', 2.5],
  ['IT', 2.5],
  ['JP', 2.5],
  ['NP', 2],
  ['PL', 2],
  ['AU', 2],
  ['SE', 1.5],
  ['AT', 1.5],
  ['CH', 1.5],
  ['MX', 1.2],
  ['ID', 1.2],
  ['TR', 1],
  ['NG', 0.8],
  ['KR', 0.8],
  ['ZA', 0.6],
  ['AR', 0.6],
  [null, 1],
])

/** Relative traffic by local hour: quiet at night, a plateau in working hours. */
const HOUR_SHAPE = [
  0.16, 0.1, 0.07, 0.06, 0.06, 0.09, 0.2, 0.42, 0.72, 0.95, 1.05, 1.08, 1.0, 1.02, 1.08, 1.06, 1.0,
  0.94, 0.86, 0.8, 0.74, 0.62, 0.45, 0.28,
]

/**
 * The span cut into UTC hours, each with its traffic weight (local hour,
 * weekday, a mild growth trend and day-to-day noise) and its UTC offset, so a
 * uniform number maps to a realistic instant by inverting the cumulative weight.
 */
function timeline(start, days, timezone, rand) {
  const hours = days * 24
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  })
  const cum = new Float64Array(hours + 1)
  const weight = new Float64Array(hours)
  const offset = new Float64Array(hours)
  const dayNoise = new Map()
  for (let h = 0; h < hours; h++) {
    const at = start + h * HOUR
    const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]))
    const local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute)
    offset[h] = local - Math.floor(at / MINUTE) * MINUTE
    const localDay = Math.floor(local / DAY)
    if (!dayNoise.has(localDay)) dayNoise.set(localDay, 0.85 + 0.3 * rand())
    const weekday = new Date(local).getUTCDay()
    const weekend = weekday === 0 || weekday === 6 ? 0.6 : 1
    weight[h] = HOUR_SHAPE[+p.hour] * weekend * dayNoise.get(localDay) * (0.9 + (0.2 * h) / hours)
    cum[h + 1] = cum[h] + weight[h]
  }
  const total = cum[hours]
  return {
    /** The instant at fraction `u` of the span's traffic. */
    at(u) {
      const x = u * total
      let lo = 0
      let hi = hours - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1
        if (cum[mid] <= x) lo = mid
        else hi = mid - 1
      }
      return start + lo * HOUR + Math.floor(((x - cum[lo]) / weight[lo]) * HOUR)
    },
    localDay(t) {
      const h = Math.min(hours - 1, Math.max(0, Math.floor((t - start) / HOUR)))
      return Math.floor((t + offset[h]) / DAY)
    },
  }
}

/** A Fenwick tree over visitor weights: returning visitors are drawn by loyalty in O(log n). */
function fenwick(size) {
  const tree = new Float64Array(size + 1)
  let total = 0
  let top = 1
  while (top * 2 <= size) top *= 2
  return {
    get total() {
      return total
    },
    add(i, w) {
      total += w
      for (let j = i + 1; j <= size; j += j & -j) tree[j] += w
    },
    /** The index whose weight range holds `x` (0 <= x < total). */
    find(x) {
      let pos = 0
      for (let step = top; step > 0; step >>= 1) {
        const next = pos + step
        if (next <= size && tree[next] <= x) {
          pos = next
          x -= tree[next]
        }
      }
      return Math.min(pos, size - 1)
    },
  }
}

/**
 * Writes `events` synthetic raw events of site `siteId` into a new SQLite
 * file at `path` (created through the collector's store, so the schema is the
 * migrated one), spread over `days` days ending at `endMs`.
 *
 * Returns what was written: `events` (rows), `visitors` (distinct visitor
 * ids), `sessions` (visits as generated, bots included), `seconds`, and a
 * breakdown: `bots` (bot-flagged events, visitors, sessions), `crossMidnight`
 * (visits spanning local midnight, which the stats split in two) and
 * `bounces` (visits of one page view and no custom event).
 *
 * @example
 * const r = await generateEvents({ path: '/tmp/b.db', events: 1e6, days: 60, endMs: Date.now() })
 */
export async function generateEvents({
  path,
  events,
  days = 60,
  endMs = Date.now(),
  siteId = 'bench',
  timezone = 'Europe/Berlin',
  seed = 1,
  onProgress,
}) {
  if (!Number.isSafeInteger(events) || events < 0) throw new Error(`bad event count: ${events}`)
  if (!(days > 0) || !Number.isInteger(days)) throw new Error(`bad number of days: ${days}`)
  // Generating into an existing file would mix two data sets (or fail on the site).
  if (existsSync(path)) throw new Error(`${path} exists; remove it first`)
  const began = performance.now()

  const store = createSqliteStore({ path, threads: 'inline' })
  await store.createSite({
    id: siteId,
    name: 'Bench',
    timezone,
    domain: null,
    settings: {},
    createdAt: endMs - days * DAY,
  })
  await store.close()

  const db = new Database(path)
  // A lost file is simply generated again, so durability is not worth a single fsync.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  db.pragma('temp_store = MEMORY')
  const insert = db.prepare(
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  )
  const begin = db.prepare('BEGIN')
  const commit = db.prepare('COMMIT')

  const rand = mulberry32(seed)
  const start = endMs - days * DAY
  const clock = timeline(start, days, timezone, rand)
  const { paths, browsable } = buildPages(rand)
  const urls = paths.map((p) => HOST + p)
  const HOME = 0
  const PRICING = paths.indexOf('/pricing')
  const CART = paths.indexOf('/cart')
  const CHECKOUT = paths.indexOf('/checkout')
  const SIGNUP = paths.indexOf('/signup')
  const pickPage = weighted(paths.slice(0, browsable).map((_, i) => [i, 1 / (i + 1)]))
  const pickTraffic = trafficTable()
  const pickOne = (list) => list[Math.floor(rand() * list.length)]
  const homeEntry = { direct: 0.5, search: 0.2, social: 0.2, referral: 0.25, email: 0.1, paid: 0.4 }

  // The visitor pool, filled as visitors first arrive. Browser, OS, device and
  // country belong to the visitor: an anonymous id lives in one browser.
  const pool = Math.max(50, Math.round(events / EVENTS_PER_VISITOR))
  const ids = []
  const browsers = []
  const oses = []
  const devices = []
  const countries = []
  const userIds = []
  const lastEnd = []
  const loyalty = fenwick(pool)

  function newVisitor() {
    const v = ids.length
    const device = pickDevice(rand())
    const os = pickOs[device](rand())
    ids.push(uuid4(rand))
    devices.push(device)
    oses.push(os)
    browsers.push(pickBrowser[os](rand()))
    countries.push(pickCountry(rand()))
    userIds.push(null)
    lastEnd.push(-Infinity)
    // Most visitors never come back; the rest return with a heavy-tailed
    // (Pareto) loyalty, so a few regulars make many of the visits.
    const r = rand()
    if (v < pool && r >= 0.55)
      loyalty.add(v, Math.min(30, Math.pow(1 - (r - 0.55) / 0.45, -1 / 1.2)))
    return v
  }

  /** A returning visitor whose last visit ended long enough before `t`, or -1. */
  function returning(t) {
    if (loyalty.total === 0) return -1
    for (let tries = 0; tries < 8; tries++) {
      const v = loyalty.find(rand() * loyalty.total)
      if (t - lastEnd[v] >= MIN_RETURN_GAP) return v
    }
    return -1
  }

  const row = new Array(COLUMNS.length).fill(null)
  row[0] = siteId
  row[13] = null // traits
  row[14] = null // context
  let written = 0
  let visits = 0
  let humanVisits = 0
  let humanEvents = 0
  let bounces = 0
  let crossMidnight = 0
  const bots = { events: 0, visitors: 0, sessions: 0 }
  let signups = 0

  /** A time-ordered UUIDv7 from the event's own time; the row counter keeps it unique. */
  function messageId(t) {
    const high = Math.floor(t / 65536)
      .toString(16)
      .padStart(8, '0')
    const low = (t % 65536).toString(16).padStart(4, '0')
    const r = Math.floor(rand() * 4294967296)
    const variant = HEX3[0x800 | ((r >>> 12) & 0x3ff)][0]
    const counter = written.toString(16).padStart(12, '0')
    return `${high}-${low}-7${HEX3[r & 0xfff]}-${variant}${HEX3[r >>> 20]}-${counter}`
  }

  function emit(type, name, t, page, properties, referrer, url) {
    row[1] = messageId(t)
    row[2] = type
    row[3] = name
    row[7] = t
    row[8] = t
    row[9] = paths[page]
    row[10] = url ?? urls[page]
    row[11] = referrer
    row[12] = properties
    // Spread arguments bind markedly faster than an array in better-sqlite3.
    insert.run(...row)
    written++
    if (written % TX_ROWS === 0) {
      commit.run()
      onProgress?.({ events: written, total: events })
      begin.run()
    }
  }

  /** 10 s to 5 min between page views, now and then a long read of up to 25 min. */
  const pageGap = () =>
    rand() < 0.96
      ? Math.floor(10 * SECOND * Math.pow(30, rand()))
      : Math.floor(5 * MINUTE + rand() * 20 * MINUTE)
  /** One view, else 2 + geometric (mean 6, at most 20): about 40% bounce, mean about 4. */
  const pageCount = () => {
    if (rand() < 0.43) return 1
    for (;;) {
      const n = 2 + Math.floor(Math.log(1 - rand()) / Math.log(0.8))
      if (n <= 20) return n
    }
  }

  const plan = new Int32Array(24)
  const REVENUE = [9, 19, 29, 49, 99, 199]
  const SIGNUP_FREE = '{"plan":"free"}'
  const SIGNUP_PRO = '{"plan":"pro"}'
  const EXPOSURE = [
    '{"experiment_id":"pricing-test","variant":"control"}',
    '{"experiment_id":"pricing-test","variant":"treatment"}',
  ]

  /** A crawler: a fresh id each visit, many pages seconds apart, flagged as a bot (2). */
  function botVisit(t) {
    row[4] = row[6] = uuid4(rand)
    row[5] = null
    row[15] = 'Chrome Headless'
    row[16] = 'Linux'
    row[17] = 'desktop'
    row[18] = rand() < 0.7 ? 'US' : 'DE'
    row[19] = row[21] = row[22] = row[23] = row[24] = row[25] = null
    row[20] = 'direct'
    row[26] = 2
    bots.visitors++
    bots.sessions++
    const n = 3 + Math.floor(rand() * 18)
    for (let i = 0; i < n && written < events && t < endMs; i++) {
      emit('page', null, t, Math.floor(rand() * browsable), null, null, null)
      bots.events++
      t += 1000 + Math.floor(rand() * 4000)
    }
  }

  function humanVisit(t) {
    // New visitors arrive at the rate that fills the pool by the end of the budget.
    const perVisit = humanVisits > 1000 ? humanEvents / humanVisits : 4.3
    const pNew = (pool - ids.length) / Math.max(1, (events - written) / perVisit)
    let v = rand() < pNew ? -1 : returning(t)
    if (v < 0) v = ids.length < pool ? newVisitor() : returning(t)
    // Only a tiny pool (or an unlucky draw) gets here: a visitor beyond the pool.
    if (v < 0) v = newVisitor()

    const traffic = pickTraffic(rand())
    const utm = traffic.utm
    const uSource = utm ? pickOne(utm.source) : null
    const uMedium = utm ? pickOne(utm.medium) : null
    const uCampaign = utm ? pickOne(utm.campaign) : null
    const uTerm = utm ? pickOne(utm.term) : null
    const uContent = utm ? pickOne(utm.content) : null

    // The visit's pages first, so the custom events can follow from them.
    let n = pageCount()
    plan[0] = rand() < homeEntry[traffic.channel] ? HOME : pickPage(rand())
    for (let i = 1; i < n; i++) {
      let p = pickPage(rand())
      if (p === plan[i - 1]) p = pickPage(rand())
      plan[i] = p
    }
    let cartStep = -1
    let purchaseStep = -1
    let signupStep = -1
    if (n >= 2 && rand() < 0.08) {
      cartStep = Math.floor(rand() * (n - 1))
      plan[cartStep + 1] = CART
      if (rand() < 0.4) {
        if (n < 20) n++
        plan[(purchaseStep = n - 1)] = CHECKOUT
      }
    }
    let pricingStep = -1
    for (let i = 0; i < n && pricingStep < 0; i++) if (plan[i] === PRICING) pricingStep = i
    // The pricing-page experiment: a stable 50/50 split by visitor; treatment converts better.
    const variant = fnv1a(ids[v]) & 1
    if (userIds[v] === null) {
      const p = pricingStep < 0 ? 0.004 : variant ? 0.036 : 0.024
      if (rand() < p) {
        if (n < 20) n++
        plan[(signupStep = n - 1)] = SIGNUP
      }
    }

    row[4] = row[6] = ids[v]
    row[5] = userIds[v]
    row[15] = browsers[v]
    row[16] = oses[v]
    row[17] = devices[v]
    row[18] = countries[v]
    row[19] = traffic.source
    row[20] = traffic.channel
    row[21] = uSource
    row[22] = uMedium
    row[23] = uCampaign
    row[24] = uTerm
    row[25] = uContent
    row[26] = 0

    const first = t
    const before = written
    let last = t
    let pageviews = 0
    let tracks = 0
    for (let i = 0; i < n && written < events && t < endMs; i++) {
      const page = plan[i]
      // Campaign parameters stay on the landing URL, as the collector stores it.
      const url =
        i === 0 && utm
          ? `${urls[page]}?utm_source=${uSource}&utm_medium=${uMedium}&utm_campaign=${uCampaign}`
          : null
      emit('page', null, t, page, null, i === 0 ? traffic.referrer : null, url)
      pageviews++
      last = t
      // Custom events fire a few seconds after their page view, before the next one (>= 10 s).
      let at = t
      const track = (name, properties) => {
        at += 300 + Math.floor(rand() * 2700)
        if (written >= events || at >= endMs) return
        emit('track', name, at, page, properties, null, null)
        tracks++
        last = at
      }
      if (i === pricingStep) track('Experiment Viewed', EXPOSURE[variant])
      if (i === cartStep) track('Add to cart', null)
      if (i === purchaseStep) {
        const revenue = REVENUE[Math.floor(rand() * REVENUE.length)] * (1 + Math.floor(rand() * 2))
        track('Purchase', `{"revenue":${revenue}}`)
      }
      if (i === signupStep) {
        track('Signup', rand() < 0.8 ? SIGNUP_FREE : SIGNUP_PRO)
        userIds[v] = `user-${++signups}`
      }
      t += pageGap()
    }
    lastEnd[v] = last
    humanVisits++
    humanEvents += written - before
    if (pageviews === 1 && tracks === 0) bounces++
    if (clock.localDay(first) !== clock.localDay(last)) crossMidnight++
  }

  begin.run()
  try {
    while (written < events) {
      // The next visit starts where the events written so far put it on the
      // traffic curve, so the budget runs out exactly at the end of the span.
      const u = Math.min(0.999999999, (written + rand() * 4) / events)
      const t = clock.at(u)
      visits++
      if (rand() < 0.0038) botVisit(t)
      else humanVisit(t)
    }
    commit.run()
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    db.close()
    throw error
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  if (written % TX_ROWS !== 0) onProgress?.({ events: written, total: events })
  return {
    events: written,
    visitors: ids.length + bots.visitors,
    sessions: visits,
    seconds: (performance.now() - began) / 1000,
    bots,
    bounces,
    crossMidnight,
  }
}

/** `200k`, `1M`, `1e6` or `1000000`. */
function count(text) {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(text ?? '')
  if (!m) throw new Error(`not a count: ${text}`)
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]])
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [path, events, days = '60'] = process.argv.slice(2)
  if (!path || !events) {
    console.error('usage: node packages/collector/bench/generate.js <path> <events> [days]')
    process.exit(2)
  }
  let shown = -1
  const r = await generateEvents({
    path,
    events: count(events),
    days: Number(days),
    endMs: Date.now(),
    onProgress({ events: done, total }) {
      const pct = Math.floor((done / total) * 100)
      if (process.stderr.isTTY)
        process.stderr.write(`\r${done.toLocaleString('en-US')} rows, ${pct}%`)
      else if (Math.floor(pct / 10) > shown) console.error(`${pct}% (${done} rows)`)
      shown = Math.floor(pct / 10)
    },
  })
  if (process.stderr.isTTY) process.stderr.write('\n')
  console.log(
    `events ${r.events}, visitors ${r.visitors}, sessions ${r.sessions}, ` +
      `seconds ${r.seconds.toFixed(1)}, rows/s ${Math.round(r.events / r.seconds)}`,
  )
}
