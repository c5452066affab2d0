// The dashboard's load, measured in Chromium against the built collector.
//
// Starts `pipit serve` (dist/cli.js, a child process on 127.0.0.1) on a SQLite
// file, opens the dashboard signed in (the read key in session storage, as
// after a sign-in or when a shared link is opened) with a cold cache, and
// measures for the default view (last 30 days):
//   - bytes on the wire: the static first load (HTML, JS, CSS) and everything
//     including the stats API answers; the JS and CSS gzipped and brotli'd
//   - time to first render: navigation start until the KPI numbers show
//   - time until every panel (KPIs, chart, six breakdowns) has its data
// as the median of several runs, on the loopback and under an emulated slow
// connection (CDP Network.emulateNetworkConditions). Prints one table.
//
// Settings (environment):
//   BENCH_DASHBOARD_DB      a SQLite file to serve (e.g. one bench/stats.js kept with
//                           BENCH_STATS_DIR); default: generate one in a temporary folder
//   BENCH_DASHBOARD_SITE    the site to open (default `bench`, the generator's)
//   BENCH_DASHBOARD_EVENTS  events to generate when no file is given (default 200k)
//   BENCH_DASHBOARD_RUNS    runs per network profile (default 5)
//
// node packages/collector/bench/dashboard.js   (after `npm run build`)
/* global document -- used in functions that run in the page */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createSqliteStore } from '../dist/index.js'
import { generateEvents } from './generate.js'
import { startProcess, stop } from './server.js'

const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const adminKey = 'bench-admin-key-0123456789abcdef'
const site = process.env.BENCH_DASHBOARD_SITE ?? 'bench'
const runs = Number(process.env.BENCH_DASHBOARD_RUNS ?? 5)
const events = Math.round(
  Number(
    (process.env.BENCH_DASHBOARD_EVENTS ?? '200k').replace(/[kK]$/, 'e3').replace(/[mM]$/, 'e6'),
  ),
)
const PANELS = 8 // the time series and six breakdown panels, plus the KPI section

/** The network profiles: the loopback as it is, and a slow mobile-like link. */
const PROFILES = [
  { name: 'loopback', conditions: null },
  {
    name: 'slow (1.6 Mbps, 150 ms RTT)',
    conditions: {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6e6 / 8) * 0.9,
      uploadThroughput: (750e3 / 8) * 0.9,
    },
  },
]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`

/** Debian's chromium with the flags test/browser.ts uses. */
function launch() {
  const executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim()
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-features=LocalNetworkAccessChecks',
    ],
  })
}

/** Sizes of the built assets as the collector serves them (precompressed by the build). */
function builtSizes() {
  const dir = here('../public/assets/')
  const sizes = { js: {}, css: {} }
  for (const f of readdirSync(dir)) {
    const m = /\.(js|css)(\.gz|\.br)?$/.exec(f)
    if (!m) continue
    sizes[m[1]][m[2] ?? 'raw'] = statSync(join(dir, f)).size
  }
  return sizes
}

async function newReadKey(url) {
  const res = await fetch(`${url}/v1/admin/sites/${site}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'read' }),
  })
  if (res.status !== 201) throw new Error(`key: ${res.status} ${await res.text()}`)
  return (await res.json()).key
}

/** One cold load: bytes by kind and the two timings, measured inside the page. */
async function load(browser, url, readKey, conditions) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(
    (key) => sessionStorage.setItem('pipit:v1:dashboard-key', key),
    readKey,
  )
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions)
  const kinds = new Map()
  const bytes = { static: 0, api: 0 }
  let failed = 0
  cdp.on('Network.responseReceived', (e) => {
    kinds.set(e.requestId, new URL(e.response.url).pathname.startsWith('/v1/') ? 'api' : 'static')
    if (e.response.status >= 400) failed++
  })
  cdp.on('Network.loadingFinished', (e) => {
    const kind = kinds.get(e.requestId)
    if (kind) bytes[kind] += e.encodedDataLength
  })
  const errors = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url)
  await page.waitForFunction(() => document.querySelector('[data-kpi="visitors"] .value'), null, {
    timeout: 120_000,
    polling: 'raf',
  })
  const firstRender = await page.evaluate(() => performance.now())
  await page.waitForFunction(
    (panels) =>
      document.querySelectorAll('[aria-busy="false"]').length >= panels &&
      !document.querySelector('[aria-busy="true"], .skeleton'),
    PANELS,
    { timeout: 300_000, polling: 'raf' },
  )
  const allPanels = await page.evaluate(() => performance.now())
  await context.close()
  if (errors.length || failed)
    throw new Error(`the dashboard failed: ${errors.join('; ')} (${failed} failed requests)`)
  return { firstRender, allPanels, ...bytes }
}

const ownDir = !process.env.BENCH_DASHBOARD_DB
const dir = ownDir ? mkdtempSync(join(tmpdir(), 'pipit-bench-dashboard-')) : undefined
const db = process.env.BENCH_DASHBOARD_DB ?? join(dir, 'dashboard.db')
let server
let browser
try {
  if (ownDir) {
    console.error(`generating ${events} events over 90 days...`)
    await generateEvents({ path: db, events, days: 90, endMs: Date.now() })
  }
  // Bring the rollups up to date before timing, as a running collector keeps them.
  console.error('aggregating...')
  const store = createSqliteStore({ path: db })
  await store.aggregate(ownDir ? { rebuild: true } : {})
  await store.close()

  server = await startProcess([here('../dist/cli.js'), 'serve', '--port', '0', '--db', db], {
    HOST: '127.0.0.1',
    PIPIT_ADMIN_KEY: adminKey,
    // Every measured load is about ten queries with one key: past the per-key read limit.
    PIPIT_RATE_LIMIT_READ: '0',
  })
  const readKey = await newReadKey(server.url)
  browser = await launch()
  // One warm-up load: the server's page cache and SQLite's are warm for every measured run.
  await load(browser, `${server.url}/?site=${site}`, readKey, null)

  const sizes = builtSizes()
  const rows = [['metric', ...PROFILES.map((p) => p.name)]]
  const results = []
  for (const profile of PROFILES) {
    const samples = []
    for (let i = 0; i < runs; i++)
      samples.push(await load(browser, `${server.url}/?site=${site}`, readKey, profile.conditions))
    results.push(samples)
  }
  const col = (f) => results.map((samples) => f(samples))
  rows.push(
    [
      'static first load on the wire (HTML + JS + CSS)',
      ...col((s) => kb(median(s.map((x) => x.static)))),
    ],
    ['stats API answers on the wire', ...col((s) => kb(median(s.map((x) => x.api))))],
    [
      'time to first render (KPI numbers): median',
      ...col((s) => `${Math.round(median(s.map((x) => x.firstRender)))} ms`),
    ],
    [
      'time until every panel has loaded: median',
      ...col((s) => `${Math.round(median(s.map((x) => x.allPanels)))} ms`),
    ],
    ['runs', ...col((s) => String(s.length))],
  )
  console.log(
    `\nDashboard load (${ownDir ? `${events} generated events` : db}, site ${site}, last 30 days, cold cache)\n`,
  )
  console.log(
    `built assets: JS ${kb(sizes.js.raw)} (gzip ${kb(sizes.js['.gz'])}, brotli ${kb(sizes.js['.br'])}), ` +
      `CSS ${kb(sizes.css.raw)} (gzip ${kb(sizes.css['.gz'])}, brotli ${kb(sizes.css['.br'])})\n`,
  )
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '))
} finally {
  await browser?.close()
  if (server) await stop(server)
  if (dir) rmSync(dir, { recursive: true, force: true })
}
