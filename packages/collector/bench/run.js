// `npm run bench`: ingest throughput through real HTTP servers on 127.0.0.1,
// each in its own process, driven by autocannon from this one. Prints a table.
//
// Settings (environment): BENCH_SECONDS (default 10), BENCH_CONNECTIONS (16),
// BENCH_BATCH (events per request, 50), BENCH_POOL (pre-built bodies per run, 15000),
// BENCH_PREFILL (rows stored before the 'already stored' runs, 1000000; 0 skips them),
// BENCH_SOAK_SECONDS (half-rate soak of the UUIDv7 server with RSS samples; 0 skips it).
import { uuidv7 } from './common.js'
import { startProcess, stop } from './server.js'
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../dist/index.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16)
const batchSize = Number(process.env.BENCH_BATCH ?? 50)
const poolSize = Number(process.env.BENCH_POOL ?? 15_000)
const prefillRows = Number(process.env.BENCH_PREFILL ?? 1_000_000)
const soakSeconds = Number(process.env.BENCH_SOAK_SECONDS ?? 0)
const adminKey = 'bench-admin-key-0123456789abcdef'
const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'pipit-bench-'))

const ID = '\u0000'

/**
 * Request bodies are built before a run, so the load generator (sharing two
 * cores with the server) spends its time sending, not serialising: 64
 * templates of realistic batches (page views and custom events from a few
 * hundred visitors over 200 pages), each filled with fresh message ids.
 */
function bodyPool(count, writeKey, newId) {
  const now = new Date().toISOString()
  const templates = []
  for (let t = 0; t < 64; t++) {
    const batch = []
    for (let i = 0; i < batchSize; i++) {
      const visitor = `anon-${Math.floor(Math.random() * 500)}`
      const page = `/docs/page-${Math.floor(Math.random() * 200)}`
      const common = { messageId: ID, anonymousId: visitor, timestamp: now }
      batch.push(
        i % 3 === 0
          ? {
              ...common,
              type: 'track',
              event: 'Button Clicked',
              properties: { plan: 'pro', position: i },
              context: { page: { path: page, url: `https://example.com${page}` } },
            }
          : {
              ...common,
              type: 'page',
              name: 'Docs',
              properties: {
                path: page,
                url: `https://example.com${page}`,
                referrer: 'https://www.google.com/',
                title: 'Docs',
              },
              context: {
                userAgent:
                  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
                locale: 'en-US',
              },
            },
      )
    }
    templates.push(JSON.stringify({ batch, sentAt: now, writeKey }).split(JSON.stringify(ID)))
  }
  const pool = new Array(count)
  for (let n = 0; n < count; n++) {
    const parts = templates[n % templates.length]
    let body = parts[0]
    for (let i = 1; i < parts.length; i++) body += `"${newId()}"` + parts[i]
    pool[n] = body
  }
  return pool
}

function load(url, pool, duration, overallRate) {
  let next = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/v1/batch`,
        connections,
        duration,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length] }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ ...result, sent: next })),
    )
  })
}

async function measure(name, server, writeKey, newId, { rate, warmup = true, reuse = false } = {}) {
  if (warmup) await load(server.url, bodyPool(2_000, writeKey, newId), 2) // discarded
  const pool = bodyPool(reuse ? 2_000 : poolSize, writeKey, newId)
  // Collect the last run's pools now, not during this measurement (the server needs that core).
  globalThis.gc?.()
  const r = await load(server.url, pool, seconds, rate)
  if (r.sent > pool.length && !reuse) {
    console.warn(`${name}: pool of ${pool.length} bodies reused; raise BENCH_POOL`)
  }
  return {
    name,
    reqPerSec: r.requests.average,
    eventsPerSec: r.requests.average * batchSize,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  }
}

/**
 * An open-loop sender for latency: requests go out evenly spaced at `rate` a
 * second whatever the answers do, as independent clients arrive. (autocannon's
 * rate limit releases each second's requests in a burst, which measures its
 * own queueing rather than the server's latency.)
 */
async function paced(url, pool, rate, duration) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const target = new URL(`${url}/v1/batch`)
  const latencies = []
  let errors = 0
  let sent = 0
  const start = performance.now()
  const inflight = new Set()
  await new Promise((done) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000
      if (elapsed >= duration) {
        clearInterval(timer)
        return void Promise.all(inflight).then(done)
      }
      while (sent < elapsed * rate) {
        const body = pool[sent++ % pool.length]
        const t0 = performance.now()
        const p = new Promise((resolve) => {
          const req = http.request(
            {
              host: target.hostname,
              port: target.port,
              path: target.pathname,
              method: 'POST',
              agent,
              headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              res.resume()
              res.on('end', () => {
                if (res.statusCode === 200) latencies.push(performance.now() - t0)
                else errors++
                resolve()
              })
            },
          )
          req.on('error', () => {
            errors++
            resolve()
          })
          req.end(body)
        })
        inflight.add(p)
        void p.then(() => inflight.delete(p))
      }
    }, 1)
  })
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const q = (x) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))] * 10) /
    10
  return { reqPerSec: latencies.length / duration, p50: q(0.5), p99: q(0.99), errors }
}

/** RSS of a process in MB, from /proc. */
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(status.match(/VmRSS:\s+(\d+)/)[1]) / 1024
}

/** Fills a database with `count` events straight through the store, as months of traffic would. */
async function prefill(db, count, newId) {
  const store = createSqliteStore({ path: db, synchronous: 'normal' })
  await store.createSite({
    id: 'bench',
    name: 'bench',
    timezone: 'UTC',
    domain: null,
    settings: {},
    createdAt: 0,
  })
  const start = Date.now() - 90 * 86_400_000
  for (let done = 0; done < count; done += 10_000) {
    const events = []
    for (let i = 0; i < 10_000 && done + i < count; i++) {
      const n = done + i
      events.push({
        siteId: 'bench',
        messageId: newId(),
        type: n % 3 ? 'page' : 'track',
        name: n % 3 ? null : 'Button Clicked',
        anonymousId: `anon-${n % 50_000}`,
        userId: null,
        visitorId: `anon-${n % 50_000}`,
        timestamp: start + Math.floor((n / count) * 90 * 86_400_000),
        receivedAt: start,
        path: `/docs/page-${n % 200}`,
        url: `https://example.com/docs/page-${n % 200}`,
        referrer: null,
        properties: { path: `/docs/page-${n % 200}` },
        traits: null,
        context: null,
        browser: 'Chrome',
        os: 'Linux',
        deviceType: 'desktop',
        country: null,
        source: null,
        channel: 'direct',
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        utmTerm: null,
        utmContent: null,
        flags: 0,
      })
    }
    await store.insertEvents(events)
  }
  await store.close()
}

async function collectorRun(
  name,
  newId,
  { sync = 'full', prefillRows = 0, halfRate = false } = {},
) {
  const db = join(tmp, `${name.replace(/\W+/g, '-')}.db`)
  if (prefillRows > 0) await prefill(db, prefillRows, newId)
  const server = await startProcess([here('../dist/cli.js'), 'serve', '--port', '0', '--db', db], {
    PIPIT_ADMIN_KEY: adminKey,
    PIPIT_SQLITE_SYNCHRONOUS: sync,
    PIPIT_RATE_LIMIT_SITE: '0',
    PIPIT_RATE_LIMIT_CLIENT: '0',
  })
  const res = await fetch(`${server.url}/v1/admin/sites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: prefillRows > 0 ? 'bench2' : 'bench' }),
  })
  const { writeKey } = await res.json()
  const results = [await measure(name, server, writeKey, newId)]
  if (halfRate) {
    const rate = Math.round(results[0].reqPerSec / 2)
    globalThis.gc?.()
    const r = await paced(
      server.url,
      bodyPool(Math.min(poolSize, rate * seconds + 100), writeKey, newId),
      rate,
      seconds,
    )
    results.push({
      name: `  same, paced at half that rate (${rate} req/s)`,
      ...r,
      eventsPerSec: r.reqPerSec * batchSize,
    })
  }
  if (soakSeconds > 0 && halfRate)
    results.soak = await soak(server, writeKey, newId, Math.round(results[0].reqPerSec / 2))
  await stop(server)
  const file = new Database(db, { readonly: true })
  results[0].stored = file.prepare('SELECT COUNT(*) AS n FROM events').get().n
  file.close()
  return results
}

/** Half-rate load for `soakSeconds`, sampling the server's RSS every 10 s. */
async function soak(server, writeKey, newId, rate) {
  const samples = [{ t: 0, rss: rssMb(server.pid) }]
  const pool = bodyPool(Math.min(poolSize, rate * 60), writeKey, newId)
  const done = load(server.url, pool, soakSeconds, rate)
  const timer = setInterval(
    () => samples.push({ t: samples.length * 10, rss: rssMb(server.pid) }),
    10_000,
  )
  const r = await done
  clearInterval(timer)
  samples.push({ t: soakSeconds, rss: rssMb(server.pid) })
  return { samples, p99: r.latency.p99, errors: r.errors + r.non2xx }
}

const rows = []
const bare = await startProcess([here('./bare-server.js')])
// The bare handler only reads bodies, so a small pool sent over and over measures it fairly.
rows.push(await measure('bare Hono (reads body only)', bare, 'x', uuidv7, { reuse: true }))
await stop(bare)
const sdkIds = await collectorRun('pipit, SDK ids (UUIDv7)', uuidv7, { halfRate: true })
rows.push(...sdkIds)
rows.push(...(await collectorRun('pipit, random ids (UUIDv4)', randomUUID)))
if (prefillRows > 0) {
  const label = `${(prefillRows / 1e6).toFixed(1)} M rows already stored`
  rows.push(...(await collectorRun(`pipit, UUIDv7, ${label}`, uuidv7, { prefillRows })))
  rows.push(...(await collectorRun(`pipit, UUIDv4, ${label}`, randomUUID, { prefillRows })))
}
rows.push(...(await collectorRun('pipit, UUIDv7, synchronous=full', uuidv7, { sync: 'full' })))
rmSync(tmp, { recursive: true, force: true })

const ceiling = rows[0].eventsPerSec
const fmt = (n) => Math.round(n).toLocaleString('en-US')
console.log(
  `\nIngest: ${batchSize}-event batches, ${connections} connections, ${seconds} s per run after a 2 s warm-up, node ${process.version}\n`,
)
console.table(
  rows.map((r) => ({
    scenario: r.name,
    'req/s': fmt(r.reqPerSec),
    'events/s': fmt(r.eventsPerSec),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'of bare': r.name.startsWith('  ') ? '' : `${((r.eventsPerSec / ceiling) * 100).toFixed(1)}%`,
    errors: r.errors,
    'rows stored': r.stored ?? '-',
  })),
)
const soakResult = sdkIds.soak
if (soakResult) {
  console.log(
    `\nSoak: ${soakSeconds} s at half the UUIDv7 rate; p99 ${soakResult.p99} ms, errors ${soakResult.errors}; server RSS (MB):`,
  )
  console.table(soakResult.samples.map((x) => ({ s: x.t, 'RSS MB': x.rss.toFixed(1) })))
}
