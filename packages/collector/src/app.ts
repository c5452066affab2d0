import { ErrorCode } from '@pipit/protocol'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { requireSecretKey } from './auth/middleware'
import { createKeyResolver } from './auth/resolver'
import type { AppConfig } from './config'
import { HttpError, errorResponse } from './errors'
import { createIngestPipeline } from './ingest/pipeline'
import { createRateLimiter } from './ingest/rate-limit'
import { createSiteCache } from './ingest/site-cache'
import { createVisitorHasher } from './ingest/visitor'
import { createBatchWriter } from './ingest/writer'
import { createMetrics, type Metrics } from './metrics'
import { compatRoutes } from './routes/compat'
import type { AppDeps, AppEnv } from './routes/env'
import { gdprRoutes } from './routes/gdpr'
import { healthRoutes } from './routes/health'
import { ingestRoutes } from './routes/ingest'
import { keyRoutes } from './routes/keys'
import { siteRoutes } from './routes/sites'
import { statsRoutes } from './routes/stats'
import { openApiDocument } from './openapi'
import type { EventStore } from './store/types'

export interface CreateAppOptions {
  store: EventStore
  config: AppConfig
  /** The clock, ms since epoch; tests shift it. */
  now?: () => number
  /** Where unexpected errors are reported (never with payload data). */
  onError?: (error: unknown) => void
  /** The peer address of a request, from the runtime binding. */
  clientAddress?: (c: Context) => string | undefined
  /** Metrics registry to count into (the Node server adds process metrics). */
  metrics?: Metrics
}

/** The collector's API version, as the OpenAPI document states it. */
export const API_VERSION = '0.1.0'

/** Routes reported by name in the latency histogram; anything else is `other`. */
const knownRoutes = new Set([
  '/v1/batch',
  '/v1/track',
  '/v1/page',
  '/v1/screen',
  '/v1/identify',
  '/v1/group',
  '/v1/alias',
  '/api/event',
  '/api/send',
  '/v1/stats/overview',
  '/v1/stats/timeseries',
  '/v1/stats/breakdown',
  '/v1/stats/realtime',
  '/v1/stats/funnel',
  '/v1/stats/retention',
  '/openapi.json',
  '/healthz',
  '/readyz',
  '/metrics',
])

/**
 * The collector as a Hono app. It knows nothing of Node: bind it with
 * `startServer` from `@pipit/collector/node`, or call `app.request()` in tests.
 *
 * @example
 * const app = createApp({ store: createSqliteStore({ path: 'pipit.db' }), config: appConfig() })
 * const res = await app.request('/healthz')
 */
export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now
  const { store, config } = options
  const metrics = options.metrics ?? createMetrics()
  const sites = createSiteCache(store, now)
  const writer = createBatchWriter(store, {
    onCommit: (events, requests) => {
      metrics.commitEvents.observe(events)
      metrics.commitRequests.observe(requests)
    },
  })
  const deps: AppDeps = {
    store,
    config,
    now,
    keys: createKeyResolver({ store, adminKey: config.adminKey, now }),
    sites,
    metrics,
    pipeline: createIngestPipeline({
      sites,
      writer,
      visitors: createVisitorHasher(store),
      metrics,
      maxEventBytes: config.maxEventBytes,
    }),
    limits: {
      site: createRateLimiter({ rate: config.rateLimitSite, burst: config.rateLimitSite * 2 }),
      client: createRateLimiter({
        rate: config.rateLimitClient,
        burst: config.rateLimitClient * 2,
      }),
    },
    clientAddress: options.clientAddress,
    onSiteChange: (id) => sites.invalidate(id),
  }
  const app = new Hono<AppEnv>()
  app.use('*', async (c, next) => {
    const start = performance.now()
    await next()
    const route = knownRoutes.has(c.req.path) ? c.req.path : 'other'
    const status = `${Math.floor(c.res.status / 100)}xx`
    metrics.requests.observe({ route, status }, (performance.now() - start) / 1000)
  })
  // Every JSON API body is capped before anything reads it: a declared
  // Content-Length over the cap is refused unread, a chunked body as it streams.
  const apiBodies = bodyLimit({
    maxSize: config.maxApiBodyBytes,
    onError: (c) =>
      errorResponse(
        c,
        413,
        ErrorCode.payloadTooLarge,
        `request body is larger than ${config.maxApiBodyBytes} bytes`,
      ),
  })
  // Everything but ingest and health needs a secret key; routes check scope and site.
  for (const path of ['/v1/admin/*', '/v1/sites', '/v1/stats/*', '/v1/gdpr/*', '/metrics']) {
    app.use(path, apiBodies, requireSecretKey(deps.keys))
  }
  // Per key, after authentication: one tenant's scripts cannot starve the others' queries.
  const reads = createRateLimiter({ rate: config.rateLimitRead / 60, burst: config.rateLimitRead })
  for (const path of ['/v1/admin/*', '/v1/sites', '/v1/stats/*', '/v1/gdpr/*']) {
    app.use(path, async (c, next) => {
      const { ok, retryAfter } = reads.take(c.get('principal').keyId, now())
      if (!ok) {
        c.header('retry-after', String(retryAfter))
        throw new HttpError(
          429,
          ErrorCode.rateLimited,
          `too many queries; retry in ${retryAfter} s`,
        )
      }
      await next()
    })
  }
  let openapi: string | undefined
  app.get('/openapi.json', (c) => {
    openapi ??= JSON.stringify(openApiDocument(API_VERSION))
    c.header('content-type', 'application/json; charset=utf-8')
    c.header('access-control-allow-origin', '*')
    return c.body(openapi)
  })
  app.route('/', healthRoutes(deps))
  app.route('/', ingestRoutes(deps))
  app.route('/', compatRoutes(deps))
  app.route('/', statsRoutes(deps))
  app.route('/', siteRoutes(deps))
  app.route('/', keyRoutes(deps))
  app.route('/', gdprRoutes(deps))
  app.get('/metrics', async (c) => {
    const principal = c.get('principal')
    if (principal.kind !== 'admin' || principal.siteId !== null) {
      throw new HttpError(403, ErrorCode.forbidden, 'metrics need the instance admin key')
    }
    c.header('content-type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })

  app.notFound((c) =>
    errorResponse(c, 404, ErrorCode.notFound, `no route ${c.req.method} ${c.req.path}`),
  )
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      if (error.status >= 500) options.onError?.(error.cause ?? error)
      return errorResponse(c, error.status, error.code, error.message, error.issues)
    }
    if (error instanceof HTTPException) {
      return errorResponse(c, error.status, ErrorCode.invalidBody, error.message)
    }
    options.onError?.(error)
    return errorResponse(c, 500, ErrorCode.internal, 'internal error')
  })
  return app
}
