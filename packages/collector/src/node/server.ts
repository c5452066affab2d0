import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { createApp } from '../app'
import type { CollectorConfig } from '../config'
import { purgeExpired } from '../gdpr/retention'
import { createMetrics } from '../metrics'
import type { AppEnv } from '../routes/env'
import { openStore } from '../store/open'
import type { EventStore } from '../store/types'
import type { FirstStart } from './bootstrap'
import { bootstrap } from './bootstrap'
import type { Logger } from './log'
import { createLogger, errorFields } from './log'

export interface StartServerOptions {
  config: CollectorConfig
  /** A folder served at `/example/`; its `index.html` gets the demo site's write key. */
  exampleDir?: string
  logger?: Logger
  /** How often new events are rolled up (ms, default 5 s); stats queries also catch up first. */
  aggregateEveryMs?: number
  now?: () => number
}

export interface RunningServer {
  url: string
  port: number
  store: EventStore
  app: Hono<AppEnv>
  firstStart: FirstStart | undefined
  close(): Promise<void>
}

const require = createRequire(import.meta.url)
const packageRoot = dirname(require.resolve('@pipit/collector/package.json'))

/** The SDK's browser build, served at `/pipit.js` like Plausible's and Umami's scripts. */
/** Where a workspace package's built script-tag file is, if it is built. */
function scriptPath(specifier: string): string | undefined {
  try {
    return require.resolve(specifier)
  } catch {
    return undefined
  }
}

/**
 * The dashboard (`@pipit/dashboard`, built into `public/`): `index.html` at `/`
 * (no-cache, so a new build shows at once) and content-hashed files under
 * `/assets/` (cached for a year). Both are sent precompressed (brotli or gzip,
 * made by the build) to browsers that take them.
 */
function serveDashboard(app: Hono<AppEnv>, publicDir: string) {
  const index = join(publicDir, 'index.html')
  const secure = (c: Context) => {
    c.header('x-content-type-options', 'nosniff')
    c.header('referrer-policy', 'no-referrer')
  }
  const page = serveStatic({ path: index, precompressed: true })
  app.get('/', async (c, next) => {
    secure(c)
    if (!existsSync(index)) {
      return c.text('The dashboard is not built: run `npm run build`.', 503)
    }
    c.header('cache-control', 'no-cache')
    c.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    return (await page(c, next)) ?? c.notFound()
  })
  // Created on first use: serveStatic complains at creation when its folder is missing.
  let assets: MiddlewareHandler | undefined
  app.get('/assets/*', async (c, next) => {
    assets ??= serveStatic({ root: publicDir, precompressed: true })
    secure(c)
    // Hashed names never change content; anything else (the licences) is revalidated.
    const hashed = /-[A-Z0-9]{8}\.(js|css)$/.test(c.req.path)
    c.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
    return (await assets(c, next)) ?? c.notFound()
  })
}

/** Browser scripts the collector serves, by URL path. */
const SCRIPTS: Record<string, string> = {
  '/pipit.js': '@pipit/sdk/pipit.global.js',
  '/pipit-consent.js': '@pipit/consent/pipit-consent.global.js',
}

/**
 * Opens the SQLite store, creates the demo site on a first start, and serves
 * the collector, its dashboard, the SDK and consent banner scripts and the
 * example page.
 *
 * @example
 * const server = await startServer({ config: parseConfig(process.env) })
 * console.log(server.url)
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options
  const now = options.now ?? Date.now
  const logger = options.logger ?? createLogger()
  const store = await openStore(config.db, { synchronous: config.sqliteSynchronous })
  const firstStart = await bootstrap(store, {
    adminKeyConfigured: Boolean(config.adminKey),
    now: now(),
  })
  const app = createApp({
    store,
    config,
    now,
    onError: (error) => logger.error('request failed', errorFields(error)),
    clientAddress: (c) => getConnInfo(c).remote.address,
    metrics: createMetrics({ processMetrics: true }),
  })

  serveDashboard(app, join(packageRoot, 'public'))
  for (const [route, specifier] of Object.entries(SCRIPTS)) {
    app.get(route, async (c) => {
      const path = scriptPath(specifier)
      const script = path ? await readFile(path, 'utf8').catch(() => undefined) : undefined
      if (!script) return c.text(`// ${specifier} is not built: run \`npm run build\``, 503)
      c.header('content-type', 'text/javascript; charset=utf-8')
      c.header('cache-control', 'public, max-age=300')
      return c.body(script)
    })
  }
  if (options.exampleDir) {
    const exampleDir = resolve(options.exampleDir)
    app.get('/example', (c) => c.redirect('/example/'))
    app.get('/example/', async (c) => {
      const html = await readFile(join(exampleDir, 'index.html'), 'utf8')
      const keys = await store.listKeys('demo')
      const writeKey = keys.find((k) => k.scope === 'write' && !k.revokedAt)?.publicKey ?? ''
      return c.html(html.replaceAll('{{PIPIT_WRITE_KEY}}', writeKey))
    })
    app.use(
      '/example/*',
      serveStatic({ root: exampleDir, rewriteRequestPath: (p) => p.replace(/^\/example/, '') }),
    )
  }

  // Retention: purge expired raw events now and every hour after.
  const purge = () =>
    purgeExpired(store, { now: now(), dryRun: false, actor: 'scheduler' }).then(
      (results) => {
        const rows = results.reduce((n, r) => n + r.rows, 0)
        if (rows > 0) logger.info('retention purge', { rows, sites: results.length })
      },
      (error: unknown) => logger.error('retention purge failed', errorFields(error)),
    )
  await purge()
  const purgeTimer = setInterval(() => void purge(), 3_600_000)
  purgeTimer.unref()

  // Aggregation, on its own threads: catch up now (a backfill after an
  // upgrade runs while the server already takes events), then every few seconds.
  const aggregate = () =>
    store.aggregate().then(
      (r) => {
        if (r.ms > 2_000)
          logger.info('aggregation', { events: r.events, days: r.days, ms: Math.round(r.ms) })
      },
      (error: unknown) => logger.error('aggregation failed', errorFields(error)),
    )
  void aggregate()
  const aggregateTimer = setInterval(() => void aggregate(), options.aggregateEveryMs ?? 5_000)
  aggregateTimer.unref()

  const server = await new Promise<ReturnType<typeof serve>>((ready) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => ready(s))
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info('listening', { url, store: store.kind })

  return {
    url,
    port,
    store,
    app,
    firstStart,
    async close() {
      clearInterval(purgeTimer)
      clearInterval(aggregateTimer)
      await new Promise<void>((done) => server.close(() => done()))
      await store.close()
    },
  }
}
