import type { Properties, Tracker } from '@pipit/sdk'
import { useCallback, useContext, useEffect, useRef } from 'react'
import { PipitContext } from './core'

/** The route React Navigation reports (`getCurrentRoute()`). */
export interface RouteLike {
  key?: string
  name: string
  params?: object
}

/**
 * What the helper needs of React Navigation's container ref
 * (`useNavigationContainerRef()` or `createNavigationContainerRef()`); the
 * SDK imports nothing from `@react-navigation/*`.
 */
export interface NavigationRefLike {
  getCurrentRoute(): RouteLike | undefined
  isReady?(): boolean
}

export interface ScreenTrackingOptions {
  /** The screen name to record; default: the route's name. Return undefined to skip a route. */
  name?: (route: RouteLike) => string | undefined
  /** Properties of the screen view; default none (route params can hold personal data). */
  properties?: (route: RouteLike) => Properties | undefined
}

/**
 * Screen views for React Navigation: returns `onReady` and `onStateChange`
 * for `<NavigationContainer>`, and records `screen(name)` for the first
 * screen and for every change of the focused route (a new route key: the
 * same screen pushed again with other params counts, `setParams` does not).
 * A screen shown before the provider's tracker exists is recorded once it does.
 *
 * @example
 * const navigationRef = useNavigationContainerRef()
 * const screenTracking = useScreenTracking(navigationRef)
 * return <NavigationContainer ref={navigationRef} {...screenTracking}>…</NavigationContainer>
 */
export function useScreenTracking(
  navigationRef: NavigationRefLike,
  options: ScreenTrackingOptions = {},
): { onReady: () => void; onStateChange: () => void } {
  const { tracker, pending } = useContext(PipitContext)
  const latest = useRef({ tracker, pending, navigationRef, options })
  latest.current = { tracker, pending, navigationRef, options }
  const last = useRef<{ tracker: Tracker; route: string }>(undefined)

  const report = useCallback(() => {
    const { tracker, pending, navigationRef, options } = latest.current
    if (pending || navigationRef.isReady?.() === false) return
    const route = navigationRef.getCurrentRoute()
    if (!route) return
    const id = route.key ?? route.name
    if (last.current?.tracker === tracker && last.current.route === id) return
    last.current = { tracker, route: id }
    const name = options.name ? options.name(route) : route.name
    if (name) tracker.screen(name, options.properties?.(route))
  }, [])

  // The tracker of a provider given options arrives after the container is ready.
  useEffect(report, [report, tracker, pending])
  return { onReady: report, onStateChange: report }
}
