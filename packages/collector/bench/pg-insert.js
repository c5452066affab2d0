// PostgreSQL ingest through the store (no HTTP): insertEvents with batches of
// random UUIDv4 message ids (what Segment clients send), several calls in
// flight as several requests would be. Prints events/s and batch latencies.
//
//   node --import tsx packages/collector/bench/pg-insert.js
//
// Settings (environment): BENCH_SECONDS (default 5), BENCH_BATCH (100),
// BENCH_INFLIGHT (calls in flight, 8), BENCH_POOL (connections, 8),
// PIPIT_BENCH_POSTGRES_URL (a superuser URL; default: a throw-away cluster
// with fsync on, then one with fsync off).
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { createPostgresStore } from '../src/store/postgres/index.ts'
import { findPostgresBin, startPostgresCluster } from '../test/postgres-cluster.ts'

const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const batchSize = Number(process.env.BENCH_BATCH ?? 100)
const inflight = Number(process.env.BENCH_INFLIGHT ?? 8)
const poolSize = Number(process.env.BENCH_POOL ?? 8)

/** A page view as the collector stores one after enrichment. */
function pageview(now) {
  return {
    siteId: 'bench',
    messageId: randomUUID(),
    type: 'page',
    name: 'Pricing',
    anonymousId: randomUUID(),
    userId: null,
    visitorId: randomUUID(),
    timestamp: now - Math.floor(Math.random() * 3_600_000),
    receivedAt: now,
    path: '/pricing',
    url: 'https://shop.example.com/pricing',
    referrer: 'https://www.google.com/',
    properties: { title: 'Pricing', search: '', width: 1280 },
    traits: null,
    context: { locale: 'de-DE', library: { name: 'pipit', version: '0.1.0' } },
    browser: 'Firefox',
    os: 'Linux',
    deviceType: 'desktop',
    country: 'DE',
    source: 'Google',
    channel: 'search',
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    utmTerm: null,
    utmContent: null,
    flags: 0,
  }
}

async function measure(adminUrl, label) {
  const admin = new pg.Pool({ connectionString: adminUrl, max: 1 })
  const name = `pipit_bench_${Date.now()}`
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const store = await createPostgresStore({ url: url.toString(), poolSize })
  await store.createSite({
    id: 'bench',
    name: 'bench',
    timezone: 'UTC',
    domain: null,
    settings: undefined,
    createdAt: 0,
  })
  const now = Date.now()
  // Batches built before the clock starts: the bench measures the store, not the generator.
  const batches = Array.from({ length: 2_000 }, () =>
    Array.from({ length: batchSize }, () => pageview(now)),
  )
  await store.insertEvents(batches.pop()) // warm-up: partition, prepared statement
  const latencies = []
  let stored = 0
  const end = performance.now() + seconds * 1000
  const worker = async () => {
    while (performance.now() < end && batches.length > 0) {
      const batch = batches.pop()
      const t = performance.now()
      const outcomes = await store.insertEvents(batch)
      latencies.push(performance.now() - t)
      stored += outcomes.filter((o) => o === 'inserted').length
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: inflight }, worker))
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  const rows = (await store.pool.query('SELECT count(*) AS n FROM events')).rows[0].n
  await store.close()
  await admin.query(`DROP DATABASE ${name}`)
  await admin.end()
  if (rows !== stored + batchSize) throw new Error(`stored ${stored} + warm-up, counted ${rows}`)
  console.log(
    `${label.padEnd(24)} ${String(Math.round(stored / elapsed)).padStart(7)} events/s   ` +
      `batch of ${batchSize}: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms   ` +
      `(${stored} events, ${inflight} in flight, pool ${poolSize})`,
  )
}

const external = process.env.PIPIT_BENCH_POSTGRES_URL
if (external) {
  await measure(external, 'given server')
} else {
  const bin = findPostgresBin()
  if (!bin) throw new Error('no PostgreSQL installed; set PIPIT_BENCH_POSTGRES_URL')
  for (const fsync of [true, false]) {
    const cluster = await startPostgresCluster(bin, { fsync })
    try {
      await measure(cluster.url, `PostgreSQL ${cluster.version}, fsync ${fsync ? 'on' : 'off'}`)
    } finally {
      await cluster.stop()
    }
  }
}
