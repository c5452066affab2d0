import type { Tracker } from '@pipit/sdk'
import type { ReactNativeTrackerOptions } from '@pipit/sdk/react-native'
import { createTracker } from '@pipit/sdk/react-native'
import type { ReactNode } from 'react'
import { PipitContext, usePipitValue } from './core'

/**
 * `@pipit/react` for React Native (also what the `react-native` export
 * condition resolves `@pipit/react` to): the provider and hooks without DOM
 * code or the web consent banner, and screen tracking for React Navigation.
 * Build your own consent prompt with `useConsent()`.
 */
export { useConsent, useExperiment, useTracker } from './core'
export { useScreenTracking } from './navigation'
export type { NavigationRefLike, RouteLike, ScreenTrackingOptions } from './navigation'
export type { Consent, Tracker } from '@pipit/sdk'
export type { ReactNativeTrackerOptions } from '@pipit/sdk/react-native'

export interface PipitProviderProps {
  /** A tracker from `@pipit/sdk/react-native`'s `createTracker`. */
  tracker?: Tracker
  /** Or its options: the provider creates the tracker once, after mounting, and shuts it down on unmount. */
  options?: ReactNativeTrackerOptions
  children?: ReactNode
}

/**
 * Makes a React Native tracker available to the hooks.
 *
 * @example
 * import { PipitProvider } from '@pipit/react/native'
 * import { pipit } from './analytics' // createTracker from '@pipit/sdk/react-native'
 *
 * <PipitProvider tracker={pipit}>
 *   <App />
 * </PipitProvider>
 */
export function PipitProvider({ tracker, options, children }: PipitProviderProps) {
  const value = usePipitValue(tracker, options, createTracker)
  return <PipitContext.Provider value={value}>{children}</PipitContext.Provider>
}
