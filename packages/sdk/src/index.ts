import type { Tracker, TrackerOptions } from './core/tracker'
import { createCore } from './core/tracker'
import { createBrowserPlatform } from './platform/browser/index'

/**
 * Creates a tracker for the browser (also usable from Node 20+, where it sends
 * with the global fetch).
 *
 * @example
 * import { createTracker } from '@pipit/sdk'
 * const pipit = createTracker({ writeKey: 'pk_…', host: 'https://stats.example.com' })
 * pipit.page()
 * pipit.track('Signed Up', { plan: 'pro' })
 * await pipit.flush()
 */
export function createTracker(options: TrackerOptions): Tracker {
  return createCore(options, createBrowserPlatform())
}

export type { Tracker, TrackerOptions, Properties } from './core/tracker'
export type {
  Platform,
  KeyValueStore,
  Transport,
  Lifecycle,
  Clock,
  HostContext,
} from './core/platform'
