import { createCore, noopTracker } from './core/tracker'
import type { EventMap, Properties, Tracker } from './core/types'
import type { ReactNativeTrackerOptions } from './platform/react-native/index'
import { createReactNativePlatform } from './platform/react-native/index'

const warn = (...args: unknown[]) =>
  (globalThis as { console?: { warn(...a: unknown[]): void } }).console?.warn(...args)

/**
 * Creates a tracker for a React Native app. The app injects AsyncStorage,
 * AppState and NetInfo (the SDK imports none of them, nor react-native).
 * Events are on storage before they are sent, go when the app moves to the
 * background, and wait offline. It never throws: bad options log one warning
 * and give a tracker that does nothing.
 *
 * @example
 * import AsyncStorage from '@react-native-async-storage/async-storage'
 * import NetInfo from '@react-native-community/netinfo'
 * import { AppState, Linking, Platform } from 'react-native'
 * import { createTracker } from '@pipit/sdk/react-native'
 *
 * export const pipit = createTracker({
 *   writeKey: 'pk_…',
 *   host: 'https://stats.example.com',
 *   storage: AsyncStorage,
 *   appState: AppState,
 *   netInfo: NetInfo,
 *   linking: Linking,
 *   app: { name: 'Shop', version: '2.3.0', build: '230' },
 *   os: { name: Platform.OS, version: Platform.Version },
 * })
 * pipit.screen('Home')
 */
export function createTracker<E extends EventMap<E> = Record<string, Properties | undefined>>(
  options: ReactNativeTrackerOptions,
): Tracker<E> {
  try {
    const missing = (
      [
        [
          'storage',
          ['getItem', 'setItem', 'removeItem', 'getAllKeys', 'multiGet', 'multiSet', 'multiRemove'],
        ],
        ['appState', ['addEventListener']],
        ['netInfo', ['fetch', 'addEventListener']],
      ] as const
    ).find(([name, methods]) =>
      methods.some(
        (m) =>
          typeof (options?.[name] as unknown as Record<string, unknown> | undefined)?.[m] !==
          'function',
      ),
    )
    if (missing) {
      warn(`[pipit] bad ${missing[0]}: tracking is off`)
      return noopTracker<E>()
    }
    const tracker = createCore<E>(options, createReactNativePlatform(options))
    return options.trackAppLifecycleEvents ? withAppLifecycleEvents(tracker, options) : tracker
  } catch (error) {
    warn('[pipit] tracking is off', error)
    return noopTracker<E>()
  }
}

/**
 * Tracks app opens and backgrounding on `tracker`, untyped (the event map
 * need not list them); `shutdown()` also removes the AppState listener.
 */
function withAppLifecycleEvents<E extends EventMap<E>>(
  tracker: Tracker<E>,
  { appState, app }: ReactNativeTrackerOptions,
): Tracker<E> {
  // Not in the app's event map: called through an untyped view of the same tracker.
  const track = (event: string, properties: Properties) =>
    (tracker as unknown as Tracker).track(event, properties)
  const about = {
    ...(app?.version ? { version: app.version } : {}),
    ...(app?.build ? { build: app.build } : {}),
  }
  let state = appState.currentState
  let away = false
  track('Application Opened', { ...about, from_background: false })
  const sub = appState.addEventListener('change', (next) => {
    if (next === state) return
    state = next
    // iOS passes through `inactive` (app switcher, a call, Control Center): only a stay in the
    // background counts, and the open that ends it.
    if (next === 'background' && !away) {
      away = true
      track('Application Backgrounded', about)
    } else if (next === 'active' && away) {
      away = false
      track('Application Opened', { ...about, from_background: true })
    }
  })
  // The tracker's methods are closures: an object inheriting from it keeps them (and the
  // `consent` getter) and replaces only shutdown.
  return Object.assign(Object.create(tracker) as Tracker<E>, {
    shutdown() {
      sub.remove()
      tracker.shutdown()
    },
  })
}

export { EXPOSURE_EVENT } from './core/tracker'
export { EVENT_PREFIX } from './platform/react-native/queue'
export type { ReactNativeTrackerOptions } from './platform/react-native/index'
export type {
  AppStateLike,
  AsyncStorageLike,
  LinkingLike,
  NetInfoLike,
  NetInfoStateLike,
} from './platform/react-native/types'
export type { Consent, EventMap, Properties, Tracker, TrackerOptions } from './core/types'
export type { DeliveryStats, DropReason } from './core/sender'
