import { createCore, noopTracker } from './core/tracker'
import type { EventMap, Properties, Tracker, TrackerOptions } from './core/types'
import { createBrowserPlatform } from './platform/browser/index'

/**
 * Creates a tracker for the browser (also usable from Node 20+, where it sends
 * with the global fetch and keeps its queue in memory). It never throws: bad
 * options log one warning and give a tracker that does nothing.
 *
 * @example
 * import { createTracker } from '@pipit/sdk'
 * const pipit = createTracker({ writeKey: 'pk_…', host: 'https://stats.example.com' })
 * pipit.setConsent('granted') // from your consent banner
 * pipit.page()
 * pipit.track('Signed Up', { plan: 'pro' })
 */
export function createTracker<E extends EventMap<E> = Record<string, Properties | undefined>>(
  options: TrackerOptions,
): Tracker<E> {
  try {
    return createCore<E>(options, createBrowserPlatform())
  } catch (error) {
    console.warn('[pipit] tracking is off', error)
    return noopTracker<E>()
  }
}

export { createCore, noopTracker, EXPOSURE_EVENT } from './core/tracker'
export { createMemoryStore } from './core/platform'
export type { Consent, EventMap, Properties, Tracker, TrackerOptions } from './core/types'
export type { DeliveryStats, DropReason } from './core/sender'
export type {
  Platform,
  KeyValueStore,
  Transport,
  TransportRequest,
  TransportResponse,
  Lifecycle,
  Clock,
  HostContext,
  PrivacySignals,
} from './core/platform'
