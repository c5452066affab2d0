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
    return createCore<E>(options, createReactNativePlatform(options))
  } catch (error) {
    warn('[pipit] tracking is off', error)
    return noopTracker<E>()
  }
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
