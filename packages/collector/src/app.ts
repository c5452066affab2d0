import { ErrorCode } from '@pipit/protocol'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { createKeyResolver } from './auth/resolver'
import type { AppConfig } from './config'
import { HttpError, errorResponse } from './errors'
import type { AppDeps, AppEnv } from './routes/env'
import { healthRoutes } from './routes/health'
import { ingestRoutes } from './routes/ingest'
import { siteRoutes } from './routes/sites'
import { statsRoutes } from './routes/stats'
import type { EventStore } from './store/types'

export interface CreateAppOptions {
  store: EventStore
  config: AppConfig
  /** The clock, ms since epoch; tests shift it. */
  now?: () => number
  /** Where unexpected errors are reported (never with payload data). */
  onError?: (error: unknown) => void
}

/**
 * The collector as a Hono app. It knows nothing of Node: bind it with
 * `startServer` from `@pipit/collector/node`, or call `app.request()` in tests.
 *
 * @example
 * const app = createApp({ store: createSqliteStore({ path: 'pipit.db' }), config: { maxRequestBytes: 512_000 } })
 * const res = await app.request('/healthz')
 */
export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now
  const deps: AppDeps = {
    store: options.store,
    config: options.config,
    now,
    keys: createKeyResolver({ store: options.store, adminKey: options.config.adminKey, now }),
  }
  const app = new Hono<AppEnv>()
  app.route('/', healthRoutes(deps))
  app.route('/', ingestRoutes(deps))
  app.route('/', statsRoutes(deps))
  app.route('/', siteRoutes(deps))

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
