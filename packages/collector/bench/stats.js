// `npm run bench` (second half): the stats API against generated traffic.
// For each size it generates a SQLite file (bench/generate.js), times a full
// rollup rebuild, starts the real collector on it (a child process on
// 127.0.0.1), times every stats endpoint over HTTP, then measures how far the
// rollups trail a steady stream of new events. Prints one table.
//
// Settings (environment):
//   BENCH_STATS_EVENTS   sizes, comma-separated (default `1M,10M`; `0` skips)
//   BENCH_STATS_DAYS     days of traffic (default 90: 12 weekly retention cohorts fit)
//   BENCH_STATS_RUNS     timed requests per query (default 25, after 3 warm-ups)
//   BENCH_STATS_RATE     events/s of the steady ingest (default 200)
//   BENCH_STATS_SECONDS  length of the steady ingest (default 30)
//   BENCH_STATS_DIR      where the files go (default a temporary folder, removed after)

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../dist/index.js'
import { localDay, median, quantile, statsQueries } from './common.js'
import { generateEvents } from './generate.js'
import { startProcess, stop } from './server.js'

const sizes = (process.env.BENCH_STATS_EVENTS ?? '1M,10M')
  .split(',')
  .map((s) => Math.round(Number(s.replace(/[mM]$/, 'e6').replace(/[kK]$/, 'e3'))))
  .filter((n) => n > 0)
const days = Number(process.env.BENCH_STATS_DAYS ?? 90)
const runs = Number(process.env.BENCH_STATS_RUNS ?? 25)
const rate = Number(process.env.BENCH_STATS_RATE ?? 200)
const ingestSeconds = Number(process.env.BENCH_STATS_SECONDS ?? 30)
const adminKey = 'bench-admin-key-0123456789abcdef'
const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const ownDir = !process.env.BENCH_STATS_DIR
const dir = process.env.BENCH_STATS_DIR ?? mkdtempSync(join(tmpdir(), 'pipit-bench-stats-'))

const mb = (path) => statSync(path).size / 1e6
const label = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`)

const startServer = (db, env = {}) =>
  startProcess([here('../dist/cli.js'), 'serve', '--port', '0', '--db', db], {
    HOST: '127.0.0.1',
    PIPIT_ADMIN_KEY: adminKey,
    PIPIT_RATE_LIMIT_SITE: '0',
    PIPIT_RATE_LIMIT_CLIENT: '0',
    // The benchmark times hundreds of queries with one key; the per-key read limit would stop it.
    PIPIT_RATE_LIMIT_READ: '0',
    ...env,
  })

async function newKey(url, siteId, scope) {
  const res = await fetch(`${url}/v1/admin/sites/${siteId}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope }),
  })
  if (res.status !== 201) throw new Error(`key: ${res.status} ${await res.text()}`)
  return (await res.json()).key
}

/** Times one request `runs` times after 3 warm-ups; checks every answer is 200. */
async function timeQuery(url, readKey, path, body) {
  const request = () =>
    fetch(url + path, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${readKey}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
  const ms = []
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now()
    const res = await request()
    const text = await res.text()
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`)
    if (i >= 3) ms.push(performance.now() - started)
  }
  return { median: median(ms), p95: quantile(ms, 0.95) }
}

/**
 * Steady ingest of page views (batches every 100 ms) while polling today's
 * page views every 100 ms. An event's lag is the time from its batch's
 * acknowledgement until the stats count it. The server runs with
 * PIPIT_STATS_FRESHNESS_MS=0, so queries never trigger a pass: only the
 * collector's own scheduler brings the rollups up to date.
 */
async function steadyIngest(url, readKey, writeKey, today) {
  const overview = async () => {
    const res = await fetch(`${url}/v1/stats/overview?site=bench&from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${readKey}` },
    })
    return { pageviews: (await res.json()).pageviews, at: performance.now() }
  }
  // Wait for quiet: the count stops moving for 15 s (the scheduler runs every 5 s).
  let base = (await overview()).pageviews
  for (let stable = 0; stable < 3;) {
    await new Promise((r) => setTimeout(r, 5_000))
    const now = (await overview()).pageviews
    stable = now === base ? stable + 1 : 0
    base = now
  }
  const perBatch = Math.max(1, Math.round(rate / 10))
  const acks = [] // [cumulative events, ack time]
  const seen = [] // [page views counted, time]
  const queryMs = []
  let sent = 0
  let stop = false
  const sender = (async () => {
    const end = performance.now() + ingestSeconds * 1000
    let next = performance.now()
    while (performance.now() < end) {
      const at = new Date().toISOString()
      const batch = Array.from({ length: perBatch }, (_, i) => ({
        type: 'page',
        messageId: randomUUID(),
        anonymousId: `live-${(sent + i) % 2000}`,
        timestamp: at,
        properties: {
          path: `/live/${(sent + i) % 50}`,
          url: `https://bench.example/live/${(sent + i) % 50}`,
        },
      }))
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ writeKey, batch }),
      })
      if (res.status !== 200) throw new Error(`batch: ${res.status} ${await res.text()}`)
      sent += perBatch
      acks.push([sent, performance.now()])
      next += 100
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())))
    }
  })()
  const poller = (async () => {
    while (!stop) {
      const started = performance.now()
      const o = await overview()
      queryMs.push(performance.now() - started)
      seen.push([o.pageviews - base, o.at])
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  await sender
  // Keep polling until every sent event is counted (or 60 s pass).
  const deadline = performance.now() + 60_000
  while ((seen.at(-1)?.[0] ?? 0) < sent && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
  }
  stop = true
  await poller
  const lags = acks.map(([count, ackAt]) => {
    const first = seen.find(([n, at]) => n >= count && at >= ackAt)
    return first ? first[1] - ackAt : Infinity
  })
  return {
    sent,
    lagMedian: median(lags),
    lagP95: quantile(lags, 0.95),
    lagMax: Math.max(...lags),
    queryMedian: median(queryMs),
  }
}

async function benchSize(events) {
  const path = join(dir, `stats-${label(events)}.db`)
  rmSync(path, { force: true })
  const endMs = Date.now()
  console.error(`generating ${label(events)} events over ${days} days...`)
  const generated = await generateEvents({ path, events, days, endMs })
  const rawMb = mb(path)

  console.error('rebuilding the rollups...')
  const store = createSqliteStore({ path })
  const rebuild = await store.aggregate({ rebuild: true })
  await store.close()
  const db = new Database(path, { readonly: true })
  const sessions = db.prepare('SELECT COUNT(*) AS n FROM agg_sessions').get().n
  db.close()

  const server = await startServer(path, { PIPIT_STATS_FRESHNESS_MS: '0' })
  try {
    const readKey = await newKey(server.url, 'bench', 'read')
    const writeKey = await newKey(server.url, 'bench', 'write')
    const queries = statsQueries(endMs)
    const timings = []
    for (const [name, path, body] of queries) {
      timings.push({ name, ...(await timeQuery(server.url, readKey, path, body)) })
    }
    console.error(`steady ingest at ${rate} events/s for ${ingestSeconds} s...`)
    const live = await steadyIngest(server.url, readKey, writeKey, localDay(Date.now(), 0))
    return { events, generated, rawMb, rebuild, sessions, timings, live, dbMb: mb(path) }
  } finally {
    await stop(server)
    if (ownDir) rmSync(path, { force: true })
  }
}

const results = []
for (const n of sizes) results.push(await benchSize(n))
if (ownDir) rmSync(dir, { recursive: true, force: true })

const cols = Object.fromEntries(results.map((r) => [label(r.events), r]))
const row = (name, f, target = '') => ({
  metric: name,
  ...Object.fromEntries(Object.entries(cols).map(([k, r]) => [k, f(r)])),
  target,
})
const ms = (x) => (x === Infinity ? 'never' : `${x.toFixed(1)} ms`)
const table = [
  row(
    'raw events / visitors / visits',
    (r) => `${r.generated.events} / ${r.generated.visitors} / ${r.sessions}`,
  ),
  row(
    'database size before / after rollups',
    (r) => `${r.rawMb.toFixed(0)} / ${r.dbMb.toFixed(0)} MB`,
  ),
  row(
    'full rollup rebuild',
    (r) => `${(r.rebuild.ms / 1000).toFixed(1)} s (${r.rebuild.days} days)`,
    '≤ 60 s at 10M',
  ),
  ...results[0].timings.map((t, i) =>
    row(
      `${t.name}: median (p95)`,
      (r) => `${ms(r.timings[i].median)} (${ms(r.timings[i].p95)})`,
      /funnel|retention/.test(t.name)
        ? '≤ 500 ms'
        : /^(overview|timeseries|breakdown)[^,]*, 30 days$|^breakdown: \w+, 30 days$/.test(t.name)
          ? '≤ 50 ms'
          : '',
    ),
  ),
  row('steady ingest: events sent', (r) => `${r.live.sent} at ${rate}/s`),
  row(
    'rollup lag: median / p95 / max',
    (r) =>
      `${(r.live.lagMedian / 1000).toFixed(1)} / ${(r.live.lagP95 / 1000).toFixed(1)} / ${(r.live.lagMax / 1000).toFixed(1)} s`,
    '≤ 10 s',
  ),
  row('overview during ingest: median', (r) => ms(r.live.queryMedian)),
]
console.log(
  `\nStats on SQLite (${days} days of traffic, ${runs} timed requests per query, over HTTP on 127.0.0.1)`,
)
console.table(table)
