// `npm run bench` (stores part): SQLite and PostgreSQL side by side, with the
// ratio PostgreSQL / SQLite. Both stores run the real collector (`dist/cli.js`)
// in child processes on 127.0.0.1; PostgreSQL is a throw-away cluster of the
// newest installed server (fsync on).
//
// 1. Ingest through the collector: batches of 50 events with random UUIDv4 ids
//    (what Segment clients send) and with UUIDv7 (what the Pipit SDK sends),
//    from 16 connections, into one collector, and for PostgreSQL also into
//    two collectors on one database (8 connections each).
// 2. Stats: the same generated traffic (bench/generate.js) in both stores
//    (copied into PostgreSQL with `migrateStore`), a full rollup rebuild, every
//    stats endpoint over HTTP, and the rollup lag under a steady ingest.
//
//   node --import tsx packages/collector/bench/stores.js   (after npm run build)
//
// Settings (environment): BENCH_STORES_EVENTS (sizes, default `1M`; `1M,10M`
// for both), BENCH_STORES_SECONDS (per ingest run, default 10), BENCH_STATS_RUNS
// (timed requests per query, default 15), BENCH_STATS_DAYS (default 90),
// BENCH_STATS_RATE / BENCH_STATS_SECONDS (steady ingest, 200 events/s for 20 s).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { migrateStore } from '../src/store/migrate.ts'
import { createPostgresStore } from '../src/store/postgres/index.ts'
import { createSqliteStore } from '../src/store/sqlite/index.ts'
import { findPostgresBin, startPostgresCluster } from '../test/postgres-cluster.ts'
import { localDay, median, quantile, statsQueries, uuidv7 } from './common.js'
import { generateEvents } from './generate.js'
import { startProcess, stop } from './server.js'

const sizes = (process.env.BENCH_STORES_EVENTS ?? '1M')
  .split(',')
  .map((s) => Math.round(Number(s.replace(/[mM]$/, 'e6').replace(/[kK]$/, 'e3'))))
  .filter((n) => n > 0)
const seconds = Number(process.env.BENCH_STORES_SECONDS ?? 10)
const runs = Number(process.env.BENCH_STATS_RUNS ?? 15)
const days = Number(process.env.BENCH_STATS_DAYS ?? 90)
const rate = Number(process.env.BENCH_STATS_RATE ?? 200)
const steadySeconds = Number(process.env.BENCH_STATS_SECONDS ?? 20)
const adminKey = 'bench-admin-key-0123456789abcdef'
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'pipit-bench-stores-'))
const BATCH = 50

const label = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`)
const log = (line) => console.error(line)

const collector = (db, env = {}) =>
  startProcess([cli, 'serve', '--port', '0', '--db', db], {
    HOST: '127.0.0.1',
    PIPIT_ADMIN_KEY: adminKey,
    PIPIT_RATE_LIMIT_SITE: '0',
    PIPIT_RATE_LIMIT_CLIENT: '0',
    PIPIT_RATE_LIMIT_READ: '0',
    PIPIT_FIRST_START_KEYS_FILE: join(dir, `keys-${randomUUID()}`),
    ...env,
  })

async function api(url, path, body, key = adminKey) {
  const res = await fetch(url + path, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** Request bodies with fresh ids, built before the run so the load generator only sends. */
function bodies(count, writeKey, newId) {
  const now = new Date().toISOString()
  return Array.from({ length: count }, () =>
    JSON.stringify({
      writeKey,
      batch: Array.from({ length: BATCH }, (_, i) => {
        const page = `/docs/page-${Math.floor(Math.random() * 200)}`
        const common = {
          messageId: newId(),
          anonymousId: `anon-${Math.floor(Math.random() * 5000)}`,
          timestamp: now,
          context: {
            userAgent:
              'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
            page: { path: page, url: `https://example.com${page}` },
          },
        }
        return i % 3 === 0
          ? { ...common, type: 'track', event: 'Button Clicked', properties: { position: i } }
          : { ...common, type: 'page', properties: { path: page, title: 'Docs' } }
      }),
    }),
  )
}

/**
 * One autocannon run per URL at once; events/s summed, p99 the worst. Each
 * body goes once while the pool lasts (12,000 bodies: 600,000 events, more
 * than 10 s of the fastest store), then repeats count as duplicates.
 */
async function load(urls, writeKey, newId) {
  const perUrl = Math.ceil(12_000 / urls.length)
  const results = await Promise.all(
    urls.map((url) => {
      const pool = bodies(perUrl, writeKey, newId)
      let next = 0
      return autocannon({
        url: `${url}/v1/batch`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections: 16 / urls.length,
        duration: seconds,
        requests: [{ setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length] }) }],
      })
    }),
  )
  return {
    eventsPerSec: results.reduce((n, r) => n + (r['2xx'] * BATCH) / seconds, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
  }
}

/** Ingest runs into fresh databases: `db()` makes one, `processes` collectors share it. */
async function ingest(db, processes, newId) {
  const location = await db()
  const servers = []
  for (let i = 0; i < processes; i++) servers.push(await collector(location))
  try {
    const site = await api(servers[0].url, '/v1/admin/sites', { id: 'load', timezone: 'UTC' })
    // Warm-up: 2 s, then the timed run.
    await autocannon({
      url: `${servers[0].url}/v1/batch`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies(1, site.writeKey, newId)[0],
      connections: 4,
      duration: 2,
    })
    return await load(
      servers.map((s) => s.url),
      site.writeKey,
      newId,
    )
  } finally {
    for (const s of servers) await stop(s)
  }
}

async function timeQuery(url, key, path, body) {
  const ms = []
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now()
    await api(url, path, body, key)
    if (i >= 3) ms.push(performance.now() - started)
  }
  return { median: median(ms), p95: quantile(ms, 0.95) }
}

/** Steady page views (a batch every 100 ms); lag from each batch's ack until stats count it. */
async function rollupLag(url, readKey, writeKey) {
  const today = localDay(Date.now(), 0)
  const count = async () =>
    (await api(url, `/v1/stats/overview?site=bench&from=${today}&to=${today}`, undefined, readKey))
      .pageviews
  const base = await count()
  const perBatch = Math.max(1, Math.round(rate / 10))
  const acks = []
  const seen = []
  let sent = 0
  let done = false
  const poller = (async () => {
    while (!done) {
      seen.push([(await count()) - base, performance.now()])
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  const end = performance.now() + steadySeconds * 1000
  while (performance.now() < end) {
    const at = new Date().toISOString()
    await api(url, '/v1/batch', {
      writeKey,
      batch: Array.from({ length: perBatch }, (_, i) => ({
        type: 'page',
        messageId: randomUUID(),
        anonymousId: `live-${(sent + i) % 2000}`,
        timestamp: at,
        properties: { path: `/live/${(sent + i) % 50}` },
      })),
    })
    sent += perBatch
    acks.push([sent, performance.now()])
    await new Promise((r) => setTimeout(r, 100))
  }
  const deadline = performance.now() + 60_000
  while ((seen.at(-1)?.[0] ?? 0) < sent && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
  }
  done = true
  await poller
  const lags = acks.map(([n, ackAt]) => {
    const first = seen.find(([c, at]) => c >= n && at >= ackAt)
    return first ? first[1] - ackAt : Infinity
  })
  return { median: median(lags), p95: quantile(lags, 0.95) }
}

async function statsOn(name, location, endMs) {
  const server = await collector(location, { PIPIT_STATS_FRESHNESS_MS: '0' })
  try {
    const readKey = (await api(server.url, '/v1/admin/sites/bench/keys', { scope: 'read' })).key
    const writeKey = (await api(server.url, '/v1/admin/sites/bench/keys', { scope: 'write' })).key
    const timings = []
    for (const [query, path, body] of statsQueries(endMs)) {
      timings.push({ query, ...(await timeQuery(server.url, readKey, path, body)) })
    }
    log(`${name}: steady ingest at ${rate} events/s for ${steadySeconds} s...`)
    return { timings, lag: await rollupLag(server.url, readKey, writeKey) }
  } finally {
    await stop(server)
  }
}

const bin = findPostgresBin()
if (!bin) {
  console.log(
    '\nStores: PostgreSQL is not installed here; the SQLite/PostgreSQL comparison is skipped.',
  )
  process.exit(0)
}
const cluster = await startPostgresCluster(bin, { fsync: true })
const admin = new pg.Pool({ connectionString: cluster.url, max: 1 })
let databases = 0
const freshPostgres = async () => {
  const name = `bench_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(cluster.url)
  url.pathname = `/${name}`
  return url.toString()
}
let files = 0
const freshSqlite = async () => join(dir, `ingest-${++files}.db`)

try {
  const ingestRows = []
  for (const [ids, newId] of [
    ['UUIDv4', randomUUID],
    ['UUIDv7', uuidv7],
  ]) {
    log(`ingest, ${ids}: SQLite, then PostgreSQL with one and two collectors...`)
    const sqlite = await ingest(freshSqlite, 1, newId)
    const one = await ingest(freshPostgres, 1, newId)
    const two = await ingest(freshPostgres, 2, newId)
    const fmt = (r) => `${Math.round(r.eventsPerSec).toLocaleString('en-US')} (p99 ${r.p99} ms)`
    ingestRows.push({
      scenario: `ingest events/s, ${ids}, one collector`,
      SQLite: fmt(sqlite),
      PostgreSQL: fmt(one),
      ratio: (one.eventsPerSec / sqlite.eventsPerSec).toFixed(2),
    })
    ingestRows.push({
      scenario: `ingest events/s, ${ids}, two collectors`,
      SQLite: 'n/a (one process per file)',
      PostgreSQL: fmt(two),
      ratio: '',
    })
    if (sqlite.errors + one.errors + two.errors > 0) log(`errors in the ${ids} runs`)
  }

  const statsRows = []
  for (const events of sizes) {
    const file = join(dir, `stats-${label(events)}.db`)
    const endMs = Date.now()
    log(`generating ${label(events)} events over ${days} days...`)
    await generateEvents({ path: file, events, days, endMs })
    const sqliteStore = createSqliteStore({ path: file })
    const sqliteRebuild = await sqliteStore.aggregate({ rebuild: true })
    await sqliteStore.close()

    log('copying them into PostgreSQL...')
    const url = await freshPostgres()
    const source = createSqliteStore({ path: file, threads: 'inline' })
    const target = await createPostgresStore({ url })
    const copyStarted = performance.now()
    await migrateStore(source, target, { pageSize: 5_000 })
    const copyMs = performance.now() - copyStarted
    await source.close()
    log('rebuilding the PostgreSQL rollups...')
    const pgRebuild = await target.aggregate({ rebuild: true })
    await target.close()

    const a = await statsOn('SQLite', file, endMs)
    const b = await statsOn('PostgreSQL', url, endMs)
    const n = label(events)
    statsRows.push({
      scenario: `${n}: full rollup rebuild`,
      SQLite: `${(sqliteRebuild.ms / 1000).toFixed(1)} s`,
      PostgreSQL: `${(pgRebuild.ms / 1000).toFixed(1)} s (copy in: ${(copyMs / 1000).toFixed(1)} s)`,
      ratio: (pgRebuild.ms / sqliteRebuild.ms).toFixed(2),
    })
    a.timings.forEach((t, i) => {
      const u = b.timings[i]
      statsRows.push({
        scenario: `${n}: ${t.query}, median (p95)`,
        SQLite: `${t.median.toFixed(1)} ms (${t.p95.toFixed(1)})`,
        PostgreSQL: `${u.median.toFixed(1)} ms (${u.p95.toFixed(1)})`,
        ratio: (u.median / t.median).toFixed(2),
      })
    })
    const s = (x) => (x === Infinity ? 'never' : `${(x / 1000).toFixed(1)} s`)
    statsRows.push({
      scenario: `${n}: rollup lag at ${rate} events/s, median / p95`,
      SQLite: `${s(a.lag.median)} / ${s(a.lag.p95)}`,
      PostgreSQL: `${s(b.lag.median)} / ${s(b.lag.p95)}`,
      ratio: (b.lag.median / a.lag.median).toFixed(2),
    })
    rmSync(file, { force: true })
  }

  console.log(
    `\nStores side by side (PostgreSQL ${cluster.version}, fsync on; ratio = PostgreSQL / SQLite; ${seconds} s ingest runs of ${BATCH}-event batches from 16 connections; ${days} days of generated traffic, ${runs} timed requests per query)`,
  )
  console.table([...ingestRows, ...statsRows])
} finally {
  await admin.end()
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
