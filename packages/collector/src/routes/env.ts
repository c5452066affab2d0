import type { KeyResolver, Principal } from '../auth/resolver'
import type { AppConfig } from '../config'
import type { EventStore } from '../store/types'

/** What every route can reach: the store, the config, the clock and the key resolver. */
export interface AppDeps {
  store: EventStore
  config: AppConfig
  now: () => number
  keys: KeyResolver
}

/** Hono environment of the collector's app. */
export interface AppEnv {
  Variables: { principal: Principal }
}
