import type { Consent, Tracker } from '@pipit/sdk'
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react'

/**
 * The DOM-free heart of `@pipit/react`, shared by the web entry and the React
 * Native entry: the context, the provider's state and the hooks. Nothing here
 * touches `window` or `document`, nor imports the consent banner.
 */

export interface PipitValue {
  tracker: Tracker
  /** True while a provider given `options` has not created its tracker yet (first render, SSR). */
  pending: boolean
  subscribe: (listener: () => void) => () => void
  notify: () => void
}

const skip = () => {}
const done = () => Promise.resolve()
/**
 * The tracker outside a provider and on the server: does nothing. Kept here
 * rather than imported from `@pipit/sdk`, whose main entry would bring the
 * browser platform into React Native bundles (Metro does not tree-shake).
 */
const nothing: Tracker = {
  track: skip,
  page: skip,
  screen: skip,
  identify: skip,
  reset: skip,
  setConsent: skip,
  shutdown: skip,
  consent: 'denied',
  getVariant: <V,>(_: string, variants: readonly V[]) => variants[0]!,
  ready: done,
  flush: done,
  stats: () => ({
    queued: 0,
    sent: 0,
    retried: 0,
    dropped: { consent: 0, filtered: 0, evicted: 0, rejected: 0, too_large: 0 },
  }),
}
export const PipitContext = createContext<PipitValue>({
  tracker: nothing,
  pending: false,
  subscribe: () => () => {},
  notify: () => {},
})

/**
 * The provider's value: the given tracker, or one created from `options` once,
 * after mounting (never during a server render), shut down on unmount.
 */
export function usePipitValue<O>(
  given: Tracker | undefined,
  options: O | undefined,
  create: (options: O) => Tracker,
): PipitValue {
  const [created, setCreated] = useState<Tracker>()
  const optionsRef = useRef(options)
  const createRef = useRef(create)
  useEffect(() => {
    if (given || !optionsRef.current) return
    const tracker = createRef.current(optionsRef.current)
    setCreated(tracker)
    return () => tracker.shutdown()
  }, [given])

  const tracker = given ?? created ?? nothing
  const pending = !given && !created && Boolean(options)
  const value = useMemo<PipitValue>(() => {
    const listeners = new Set<() => void>()
    return {
      tracker,
      pending,
      notify: () => listeners.forEach((listener) => listener()),
      subscribe: (listener) => {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
    }
  }, [tracker, pending])

  useEffect(() => {
    let live = true
    // The stored consent is loaded asynchronously.
    void tracker.ready().then(() => live && value.notify())
    return () => {
      live = false
    }
  }, [tracker, value])
  return value
}

/** The provider's tracker; one that does nothing outside a provider or on the server. */
export function useTracker(): Tracker {
  return useContext(PipitContext).tracker
}

/**
 * The consent state and its setter; re-renders when it changes (from here,
 * from the banner, or once the stored choice is loaded).
 *
 * @example
 * const [consent, setConsent] = useConsent()
 */
export function useConsent(): [Consent, (consent: 'granted' | 'denied') => void] {
  const { tracker, pending, subscribe, notify } = useContext(PipitContext)
  const consent = useSyncExternalStore(
    subscribe,
    // Until a provider given `options` has created its tracker, consent is still unknown.
    () => (pending ? 'pending' : tracker.consent),
    () => 'pending' as const,
  )
  const set = useCallback(
    (next: 'granted' | 'denied') => {
      tracker.setConsent(next)
      notify()
    },
    [tracker, notify],
  )
  return [consent, set]
}

/**
 * The user's stable variant of an experiment. The first variant during server
 * rendering, before consent and until stored ids are loaded; then the
 * assigned one (the SDK tracks the exposure once per experiment and user).
 *
 * @example
 * const layout = useExperiment('pricing-layout', ['control', 'compact'])
 */
export function useExperiment<V>(
  experimentId: string,
  variants: readonly V[],
  weights?: readonly number[],
): V {
  const tracker = useTracker()
  const [consent] = useConsent()
  const [variant, setVariant] = useState<V>(variants[0]!)
  const args = useRef({ variants, weights })
  args.current = { variants, weights }
  useEffect(() => {
    let live = true
    void tracker.ready().then(() => {
      if (live)
        setVariant(tracker.getVariant(experimentId, args.current.variants, args.current.weights))
    })
    return () => {
      live = false
    }
  }, [tracker, consent, experimentId])
  return variant
}

/**
 * Tracks a page view whenever `location` changes (and on the first render),
 * never twice in a row for the same value, also under StrictMode.
 *
 * @example
 * // React Router
 * const { pathname, search } = useLocation()
 * usePageViews(pathname + search)
 */
export function usePageViews(location: string | undefined): void {
  const tracker = useTracker()
  const last = useRef<{ tracker: Tracker; location: string }>(undefined)
  useEffect(() => {
    if (location === undefined) return
    if (last.current?.tracker === tracker && last.current.location === location) return
    last.current = { tracker, location }
    tracker.page()
  }, [tracker, location])
}
