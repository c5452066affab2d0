import type { Context } from 'hono'
import type { KeyResolver, Principal } from '../auth/resolver'
import type { AppConfig } from '../config'
import type { IngestPipeline } from '../ingest/pipeline'
import type { createRateLimiter } from '../ingest/rate-limit'
import type { SiteCache } from '../ingest/site-cache'
import type { Metrics } from '../metrics'
import type { EventStore } from '../store/types'

/** What every route can reach: the store, the config, the clock and the shared services. */
export interface AppDeps {
  store: EventStore
  config: AppConfig
  now: () => number
  keys: KeyResolver
  sites: SiteCache
  pipeline: IngestPipeline
  metrics: Metrics
  limits: {
    site: ReturnType<typeof createRateLimiter>
    client: ReturnType<typeof createRateLimiter>
  }
  /** The socket's peer address, from the runtime binding (Node: getConnInfo). */
  clientAddress: ((c: Context) => string | undefined) | undefined
  /** Call after changing a site's settings or suppression list. */
  onSiteChange: (siteId: string) => void
}

/** Hono environment of the collector's app. */
export interface AppEnv {
  Variables: { principal: Principal }
}
