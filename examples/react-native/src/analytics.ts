import AsyncStorage from '@react-native-async-storage/async-storage'
import NetInfo from '@react-native-community/netinfo'
import { createTracker } from '@pipit/sdk/react-native'
import { AppState, Dimensions, Linking, Platform } from 'react-native'

/** The app's events and their properties: `track()` checks them at compile time. */
export type Events = {
  'Added To Cart': { productId: string; price: number }
  'Onboarding Skipped': undefined
}

/**
 * One tracker for the app's lifetime, as with Segment's `createClient`. The
 * SDK imports none of these modules: the app hands them in.
 */
export const pipit = createTracker<Events>({
  writeKey: 'pk_example',
  host: 'https://stats.example.com',
  storage: AsyncStorage,
  appState: AppState,
  netInfo: NetInfo,
  // Deep links: the URL that opened the app and later ones, for UTM and click-id attribution.
  linking: Linking,
  // From react-native-device-info or expo-application / expo-device in a real app.
  app: { name: 'Pipit Example', version: '1.0.0', build: '1', namespace: 'com.example.pipit' },
  os: { name: Platform.OS, version: Platform.Version },
  device: { type: Platform.OS === 'ios' && Platform.isPad ? 'tablet' : 'phone' },
  screen: Dimensions.get('screen'),
  // Application Opened / Application Backgrounded, as Segment's and PostHog's SDKs send them.
  trackAppLifecycleEvents: true,
})
